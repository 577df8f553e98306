"""R3: the XML attack corpus against the running push endpoint, with valid push credentials.

Every attack (billion laughs, quadratic blowup, XXE to a file and to the network, an
out-of-band parameter entity, an external DTD, a 50 MB body with and without Content-Length,
10,000-deep nesting, invalid UTF-8, a truncated document, SOAP-wrapped variants and
amplification shapes) must get a 4xx answer carrying an OTA error, in SOAP when it came in SOAP;
nothing may be stored, nothing read from disk or fetched from the network, and the service must
accept a genuine reservation afterwards. Speed is not asserted here (``bench/bench_attacks.py``
prints rejection times); memory is, where it is deterministic: the Python heap's peak while the
hardened parser refuses each attack.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from tests.e2e.flows import Tenant, connect_and_map
from tests.e2e.harness import PUSH_PASSWORD, PUSH_USERNAME, RunningService
from tests.e2e.inventory import our_reservations

from .attack_corpus import (
    MIB,
    SOAP11_NS,
    Attack,
    build_corpus,
    default_corpus,
    run_parser,
    valid_reservation,
)

HOTEL, ROOM, RATE = "1000001", "100000101", "50001"
PUSH_PATH = "/ota/booking/reservations"
#: The service's default CM_MAX_BODY_BYTES.
MAX_BODY_BYTES = 5 * MIB
#: Python-heap peak allowed while the parser refuses a hostile body: a refusal must not copy,
#: expand or decode the body, so a fixed small bound holds whatever the body's size.
REFUSAL_HEAP_BOUND = 1 * MIB


class Listener:
    """A loopback TCP listener that only counts who connects: an XXE or external DTD that
    was followed would show up here."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="xxe-listener", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()
        return f"http://{host}:{port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                peer, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            peer.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    """A file an XXE would read, holding a unique text that must never come back."""
    secret = f"canary-{uuid.uuid4().hex}"
    path = tmp_path / "canary.txt"
    path.write_text(secret)
    return path, secret


def post(service: RunningService, attack: Attack) -> httpx.Response:
    """Send one attack the way a push sender with valid credentials would."""
    headers = {"Content-Type": "text/xml" if attack.soap else "application/xml"}
    if attack.soap:
        headers["SOAPAction"] = '""'
    content = attack.chunks() if attack.streamed else attack.body
    return httpx.post(
        f"{service.base_url}{PUSH_PATH}",
        content=content,
        headers=headers,
        auth=(PUSH_USERNAME, PUSH_PASSWORD),
        timeout=60,
    )


def row_counts(service: RunningService) -> dict[str, int]:
    """Rows in every table of the service's database."""
    engine = service.container.engine()
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


def refusal_problems(attack: Attack, answer: httpx.Response) -> list[str]:
    """What is wrong with the answer to ``attack`` (empty when it is a proper OTA refusal)."""
    problems = []
    if answer.status_code != attack.status:
        problems.append(f"status {answer.status_code}, expected {attack.status}")
    try:
        root = etree.fromstring(answer.content)
    except etree.XMLSyntaxError as error:
        return [*problems, f"answer is not XML ({error}): {answer.text[:200]!r}"]
    in_soap = etree.QName(root).namespace == SOAP11_NS
    if in_soap is not attack.soap:
        problems.append(f"answer {'in' if in_soap else 'without'} SOAP for a request that was not")
    errors = root.findall(f".//{{{OTA_NS}}}Errors/{{{OTA_NS}}}Error")
    if len(errors) != 1 or not errors[0].get("Code"):
        problems.append(f"expected one OTA Error with a Code: {answer.text[:300]!r}")
    if root.find(f".//{{{OTA_NS}}}Success") is not None:
        problems.append("answer says Success")
    return problems


@pytest.fixture
def connection_id(tenant: Tenant) -> str:
    """Hotel 1000001 connected and mapped: a genuine reservation for it would be stored."""
    return connect_and_map(tenant, HOTEL)


def test_every_attack_is_refused_with_an_ota_error_and_nothing_is_stored(
    service: RunningService,
    tenant: Tenant,
    connection_id: str,
    listener: Listener,
    canary: tuple[Path, str],
) -> None:
    canary_path, secret = canary
    reservation = valid_reservation(HOTEL, ROOM, RATE, "4105326478")
    corpus = build_corpus(reservation, str(canary_path), listener.url, MAX_BODY_BYTES)
    problems: dict[str, list[str]] = {}

    for attack in corpus:
        before = row_counts(service)
        answer = post(service, attack)
        found = refusal_problems(attack, answer)
        if secret in answer.text:
            found.append("the canary file's content came back")
        after = row_counts(service)
        changed = {name for name in after if after[name] != before[name]}
        allowed = set() if attack.parse_refusal else {"message_log"}
        if changed - allowed:
            found.append(f"rows written: { {n: after[n] - before[n] for n in changed} }")
        if found:
            problems[attack.name] = found

    assert problems == {}
    assert listener.connections == 0, "an external entity or DTD was fetched"
    assert our_reservations(tenant) == []
    # Still healthy: the reservation every attack was built around is accepted and stored.
    assert httpx.get(f"{service.base_url}/healthz", timeout=10).status_code == 200
    accepted = post(service, Attack("genuine reservation", reservation))
    assert accepted.status_code == 200, accepted.text
    assert "<Success/>" in accepted.text
    service.apply_pushes()  # stored in the push inbox; the worker applies it at once
    assert [r["external_id"] for r in our_reservations(tenant)] == ["4105326478"]


@pytest.mark.parametrize("attack", default_corpus(MAX_BODY_BYTES), ids=lambda a: a.name)
def test_the_parser_meets_each_attack_with_a_bounded_python_heap(attack: Attack) -> None:
    """tracemalloc sees the Python heap only (libxml2 allocates outside it; the benchmark
    prints peak RSS per attack), but that is where a copy, a decode or an expansion of the
    body would show: a refusal must stay under a fixed bound whatever the body's size.
    """
    run = run_parser(attack)

    assert not run.outcome.startswith("crashed"), run.outcome
    if attack.parse_refusal:
        assert run.outcome.startswith("refused: OTA error"), run.outcome
    if attack.parse_refusal and not attack.reads_body:
        assert run.python_peak_bytes < REFUSAL_HEAP_BOUND, run
    else:
        # Read (an oversized value) or refused later for holding no reservation: one copy.
        assert run.python_peak_bytes < len(attack.body) + REFUSAL_HEAP_BOUND, run
