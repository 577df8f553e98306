"""Shared by the access-control (R4) and secrets (R5) proofs: a valid push body, what the
service has stored, the OTA error form, the ``channel-manager`` command line as an operator
runs it, and scanners for secrets and card numbers in text.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import sqlalchemy as sa
from lxml import etree

from booking_sandbox.model import MessageKind
from booking_sandbox.ota_reservations import res_notif_rq
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy.tables import metadata
from tests.e2e.flows import ok
from tests.e2e.harness import RunningService
from tests.support.clock import session_offset_seconds, shifted_now
from tests.support.waiting import ConditionTimeoutError, wait_until

PUSH_PATH = "/ota/booking/reservations"
OTA_NS = "http://www.opentravel.org/OTA/2003/05"
#: OpenTravel ERR 497: authorization error (what the push gate answers).
AUTHORIZATION_ERROR = "497"
_CLI = Path(sys.executable).with_name("channel-manager")


def new_reservation_push(sandbox: SandboxServer, hotel_code: str) -> tuple[bytes, str]:
    """A genuine OTA_HotelResNotifRQ for a new sandbox booking in ``hotel_code`` (with its
    payment card), as the sandbox's push sender would post it; and the booking id.

    The booking is made through the sandbox's admin API with no push target set, so nothing is
    delivered until the test posts the body itself, with whatever headers it is probing.
    """
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as admin:
        admin.delete("/_sandbox/push-target")
        made = ok(
            admin.post("/_sandbox/reservations/generate", json={"hotel_code": hotel_code}), 201
        )
    booking_id = str(made["reservation"]["id"])
    with sandbox.state.lock:
        reservation = sandbox.state.reservations[booking_id]
        hotels = dict(sandbox.state.hotels)
    body = res_notif_rq(
        [(MessageKind.NEW, reservation)], hotels, shifted_now(), root_status="Commit"
    )
    return body, booking_id


def stored_counts(service: RunningService) -> dict[str, int]:
    """Rows in the tables a push writes: the push inbox, reservations and the message log
    (which also holds the calls connecting and mapping made, so compare with a count taken
    before)."""
    with service.container.engine().connect() as connection:
        return {
            name: int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(metadata.tables[name])
                ).scalar_one()
            )
            for name in ("reservations", "message_log", "push_inbox")
        }


def ota_errors(answer: httpx.Response) -> list[dict[str, str]]:
    """The ``Errors/Error`` attributes of an OTA_HotelResNotifRS answer (asserts its form)."""
    root = etree.fromstring(answer.content)
    assert etree.QName(root).localname == "OTA_HotelResNotifRS", answer.text
    errors = root.findall(f"{{{OTA_NS}}}Errors/{{{OTA_NS}}}Error")
    assert root.find(f"{{{OTA_NS}}}Success") is None, answer.text
    return [{str(k): str(v) for k, v in error.attrib.items()} for error in errors]


def cli(
    environ: Mapping[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``channel-manager ARGS`` in its own process with ``environ`` as its CM_ settings."""
    return subprocess.run(
        [str(_CLI), *args],
        env=child_environ(environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def child_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of a ``channel-manager`` child process: ``environ`` as its only CM_
    settings, on the session's day (``CM_CLOCK_OFFSET``) like the service and the sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CM_")}
    env["CM_CLOCK_OFFSET"] = session_offset_seconds()
    env.update(environ)
    return env


# --- scanning text for secrets ------------------------------------------------------------

#: 13-19 digits as one run, or in the groups cards are printed in (4-4-4-1..7, Amex 4-6-5), by
#: spaces or hyphens; standing alone: not inside a longer digit run, nor a hex or base64 string
#: (ids and tokens hold digit runs by chance), nor a phone number's differently sized groups.
#: The exact card numbers the sandbox sent are also searched for verbatim.
_DIGIT_RUN = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5})"
    r"(?![0-9A-Za-z])"
)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check every payment card number passes."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    """Luhn-valid card-shaped numbers in ``text`` (``4111111111111111``,
    ``4111 1111 1111 1111``, ``3782-822463-10005``), standing alone."""
    runs = (re.sub(r"\D", "", match.group(0)) for match in _DIGIT_RUN.finditer(text))
    return [digits for digits in runs if luhn_valid(digits)]


def secrets_in(text: str, secrets: Mapping[str, str]) -> list[str]:
    """Names of the ``{name: value}`` secrets that appear verbatim in ``text``."""
    return [name for name, value in secrets.items() if value and value in text]


def text_cells(engine: sa.Engine) -> Iterator[tuple[str, str, str]]:
    """``(table, column, text)`` for every non-empty cell of every table the database has,
    decoding binary columns as UTF-8 (with replacement), so nothing escapes the scan.

    Tables are read from the live schema (not our metadata), so a table or column added later
    is scanned too.
    """
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for table_name in inspector.get_table_names():
            table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
            for row in connection.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, bytes | bytearray | memoryview):
                        text = bytes(value).decode("utf-8", errors="replace")
                    else:
                        text = str(value)
                    if text:
                        yield table_name, str(column), text


# --- the real server process ---------------------------------------------------------------


class ServeProcess:
    """``channel-manager serve`` (API, push endpoint and in-process worker) in its own process,
    its stdout and stderr going to ``log_path``: the output an operator's log collector gets.
    """

    def __init__(self, environ: Mapping[str, str], log_path: Path, *extra_args: str) -> None:
        self.extra_args = extra_args
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environ = {**environ, "CM_PUBLIC_URL": self.base_url}
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServeProcess:
        env = child_environ(self.environ)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(_CLI),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    *self.extra_args,
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self._process

        def started() -> str | None:
            if process.poll() is not None:
                return "exited"
            try:
                answer = httpx.get(f"{self.base_url}/healthz", timeout=1)
            except httpx.TransportError:
                return None
            return "answering" if answer.status_code == 200 else None

        try:
            # Spawned --processes import apart: slow on a busy machine.
            outcome = wait_until(started, timeout=90, interval=0.1, what="serve's /healthz")
        except ConditionTimeoutError:
            outcome = "silent for 90 s"
        if outcome != "answering":
            self.stop()
            raise RuntimeError(f"serve did not start ({outcome}):\n{self.output()}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM (finish the current item, release claims), then wait for the exit."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)

    def output(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")
