"""The XML attack corpus (R3): hostile bodies for the OTA push endpoint, shared by the proof
suite (``tests/proof/test_xml_attacks.py``) and the benchmark (``bench/bench_attacks.py``).

Each attack is built around a reservation the endpoint would otherwise accept (for a mapped
hotel), so a refusal shows the defence at work, not a message that was wrong anyway. External
references point at a canary file and a loopback listener the caller owns, so the caller can
prove that nothing was read or fetched.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import attrs

from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from tests.unit.rest.messages import res_notif

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MIB = 1024 * 1024
#: Bytes sent per chunk when a body is streamed without a Content-Length.
STREAM_CHUNK = 256 * 1024


@attrs.frozen
class Attack:
    """One hostile body and the refusal it must get.

    ``status`` is the HTTP status the endpoint must answer. ``parse_refusal`` says the
    hardened parser itself refuses it, so not a single row may be written; otherwise the
    message is well-formed and is refused later (it holds no reservation), and only the
    message log may keep it, as it keeps every inbound message an admin may need to see.
    ``streamed`` sends it in chunks without a Content-Length. ``soap`` means the answer must
    come back in a SOAP envelope. ``reads_body`` means the refusal comes after the decoder has
    read one value as large as the body (it must measure it), so the Python heap holds one copy.
    """

    name: str
    body: bytes
    status: int = 400
    parse_refusal: bool = True
    streamed: bool = False
    soap: bool = False
    reads_body: bool = False

    def chunks(self) -> Iterator[bytes]:
        """The body in ``STREAM_CHUNK`` pieces (for a chunked upload)."""
        for offset in range(0, len(self.body), STREAM_CHUNK):
            yield self.body[offset : offset + STREAM_CHUNK]


def valid_reservation(
    hotel_code: str, room_type: str, rate_plan: str, res_id: str, *, comment: str = "Late arrival"
) -> bytes:
    """A new reservation (one room, two nights, paid by card) the endpoint accepts."""
    return res_notif(
        hotel_code=hotel_code,
        room_type=room_type,
        rate_plan=rate_plan,
        res_id=res_id,
        comment=comment,
        modified="2026-03-14T09:12:31+00:00",
        arrival="2027-06-10",
        departure="2027-06-12",
        echo_token="attack-control",
    )


def _with_doctype(reservation: bytes, doctype: str, comment: str | None = None) -> bytes:
    """``reservation`` preceded by ``doctype``; ``comment`` (e.g. ``&xxe;``) in its remarks."""
    body = reservation.split(b"?>", 1)[1]
    if comment is not None:
        body = body.replace(b"<Text>Late arrival</Text>", f"<Text>{comment}</Text>".encode())
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.encode() + body


def _soap(inner: bytes, prolog: str = "") -> bytes:
    payload = inner.split(b"?>", 1)[1] if inner.startswith(b"<?xml") else inner
    return (
        (
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            f'<soap:Envelope xmlns:soap="{SOAP11_NS}">'
            "<soap:Header/><soap:Body>"
        ).encode()
        + payload
        + b"</soap:Body></soap:Envelope>"
    )


def _billion_laughs() -> str:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return "<!DOCTYPE OTA_HotelResNotifRQ [" + "".join(levels) + "]>"


def build_corpus(
    reservation: bytes, canary_file: str, listener_url: str, max_body_bytes: int
) -> list[Attack]:
    """Every attack, built around ``reservation`` (a body the endpoint accepts).

    ``canary_file`` is a file whose content must never come back; ``listener_url`` a loopback
    HTTP address that must never be contacted; ``max_body_bytes`` the endpoint's body limit.
    """
    quadratic = "A" * 50_000
    doc_bl = _billion_laughs()
    xxe_file = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{canary_file}">]>'
    xxe_net = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{listener_url}/xxe">]>'
    oob = f'<!DOCTYPE r [<!ENTITY % remote SYSTEM "{listener_url}/oob.dtd"> %remote;]>'
    deep = 10_000
    inner_deep = b"<Comment>" * deep + b"</Comment>" * deep
    wide_count = (max_body_bytes - 200) // len(b"<Text/>")
    many_attrs = b" ".join(b'a%d="1"' % i for i in range(max_body_bytes // 12))
    truncated_at = len(reservation) * 2 // 3
    fifty_mb = reservation.replace(
        b"<Text>Late arrival</Text>", b"<Text>" + b"A" * (50 * MIB) + b"</Text>"
    )
    return [
        Attack("billion laughs", _with_doctype(reservation, doc_bl, "&lol9;")),
        Attack(
            "quadratic blowup",
            _with_doctype(
                reservation,
                f'<!DOCTYPE r [<!ENTITY a "{quadratic}">]>',
                "&a;" * 50_000,
            ),
        ),
        Attack("xxe file", _with_doctype(reservation, xxe_file, "&xxe;")),
        Attack("xxe network", _with_doctype(reservation, xxe_net, "&xxe;")),
        Attack("xxe parameter entity (out of band)", _with_doctype(reservation, oob)),
        Attack(
            "external dtd",
            _with_doctype(
                reservation, f'<!DOCTYPE OTA_HotelResNotifRQ SYSTEM "{listener_url}/ota.dtd">'
            ),
        ),
        Attack(
            "doctype in utf-16",
            _with_doctype(reservation, doc_bl, "&lol9;")
            .replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
            .decode()
            .encode("utf-16"),
        ),
        Attack("50 MB body", fifty_mb, status=413),
        Attack("50 MB body, chunked", fifty_mb, status=413, streamed=True),
        Attack(
            "10,000-deep nesting",
            reservation.replace(b"<Comment><Text>Late arrival</Text></Comment>", inner_deep),
        ),
        Attack(
            "invalid utf-8",
            reservation.replace(b"Late arrival", b"Late \xff\xfe arrival \xc3\x28"),
        ),
        Attack("truncated document", reservation[:truncated_at]),
        Attack("soap: billion laughs", _soap(reservation, doc_bl), soap=True),
        Attack(
            "soap: 10,000-deep nesting",
            _soap(reservation.replace(b"<Comment><Text>Late arrival</Text></Comment>", inner_deep)),
            soap=True,
        ),
        Attack(
            "wide: 750,000 empty elements",
            f'<OTA_HotelResNotifRQ xmlns="{OTA_NS}" Version="2.001"><HotelReservations>'.encode()
            + b"<Text/>" * wide_count
            + b"</HotelReservations></OTA_HotelResNotifRQ>",
        ),
        Attack(
            "many attributes (437,000 on one element)",
            f'<OTA_HotelResNotifRQ xmlns="{OTA_NS}" Version="2.001" '.encode() + many_attrs + b"/>",
        ),
        Attack(
            "huge attribute (a 5 MB EchoToken)",
            f'<OTA_HotelResNotifRQ xmlns="{OTA_NS}" Version="2.001" EchoToken="'.encode()
            + b"A" * (max_body_bytes - 200)
            + b'"/>',
            reads_body=True,
        ),
    ]


# --- the hardened parser on its own: peak memory per attack ---------------------------------


@attrs.frozen
class ParserRun:
    """How the hardened parser (``decode_res_notif_rq``) treated one attack."""

    name: str
    outcome: str  # "refused: <OTA error>", "accepted" (refused later) or "crashed: <error>"
    python_peak_bytes: int  # tracemalloc peak: the Python heap only, not libxml2's own
    seconds: float
    rss_growth_bytes: int | None = None  # peak RSS growth, when measured in a fresh process


def run_parser(attack: Attack) -> ParserRun:
    """Parse one attack with the hardened parser, measuring the Python heap's peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        decode_res_notif_rq(attack.body)
        outcome = "accepted"
    except OtaParseError as error:
        outcome = f"refused: {error}"
    except Exception as error:  # reported; the callers fail on it
        outcome = f"crashed: {type(error).__name__}: {error}"
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return ParserRun(attack.name, outcome[:200], peak, seconds)


def _status_bytes(field: str) -> int:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024  # reported in kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> int:
    """Reset the peak RSS mark (Linux: ``5`` to ``clear_refs``) so building the corpus does not
    mask the parser's peak; the resident size now."""
    with Path("/proc/self/clear_refs").open("w", encoding="ascii") as clear:
        clear.write("5")
    return _status_bytes("VmRSS")


def default_corpus(max_body_bytes: int = 5 * MIB) -> list[Attack]:
    """The corpus around a reservation for the sandbox's hotel 1000001, with references to
    places that hold nothing (for measuring the parser on its own)."""
    reservation = valid_reservation("1000001", "100000101", "50001", "4105326478")
    return build_corpus(reservation, "/etc/hostname", "http://127.0.0.1:9", max_body_bytes)


def parser_run_in_child(index: int, max_body_bytes: int) -> ParserRun:
    """``run_parser`` on attack ``index`` in a fresh interpreter, with its peak RSS growth
    (libxml2's allocations included): one process per attack, so peaks do not mask each other.
    """
    command = [sys.executable, "-m", "tests.proof.attack_corpus", str(index), str(max_body_bytes)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"parser child failed ({done.returncode}): {done.stderr[-2000:]}")
    return ParserRun(**json.loads(done.stdout))


def main(argv: list[str]) -> None:
    """Child entry point: ``python -m tests.proof.attack_corpus INDEX MAX_BODY_BYTES``."""
    index, max_body = int(argv[0]), int(argv[1])
    attack = default_corpus(max_body)[index]
    decode_res_notif_rq(valid_reservation("1", "2", "3", "4"))  # warm up lxml's first parse
    before = _reset_peak_rss()
    run = run_parser(attack)
    run = attrs.evolve(run, rss_growth_bytes=_status_bytes("VmHWM") - before)
    print(json.dumps(attrs.asdict(run)))


if __name__ == "__main__":
    main(sys.argv[1:])
