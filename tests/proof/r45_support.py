"""Shared by the access-control (R4) and secrets (R5) proofs: a valid push body, what the
service has stored, the OTA error form, the ``channel-manager`` command line as an operator
runs it, and scanners for secrets and card numbers in text.
"""

from __future__ import annotations

import datetime as dt
import os
import re
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
        [(MessageKind.NEW, reservation)], hotels, dt.datetime.now(dt.UTC), root_status="Commit"
    )
    return body, booking_id


def stored_counts(service: RunningService) -> dict[str, int]:
    """Rows in the tables a push writes: reservations and the message log (which also holds
    the calls connecting and mapping made, so compare with a count taken before)."""
    with service.container.engine().connect() as connection:
        return {
            name: int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(metadata.tables[name])
                ).scalar_one()
            )
            for name in ("reservations", "message_log")
        }


def ota_errors(answer: httpx.Response) -> list[dict[str, str]]:
    """The ``Errors/Error`` attributes of an OTA_HotelResNotifRS answer (asserts its form)."""
    root = etree.fromstring(answer.content)
    assert etree.QName(root).localname == "OTA_HotelResNotifRS", answer.text
    errors = root.findall(f"{{{OTA_NS}}}Errors/{{{OTA_NS}}}Error")
    assert root.find(f"{{{OTA_NS}}}Success") is None, answer.text
    return [dict(error.attrib) for error in errors]


def cli(
    environ: Mapping[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``channel-manager ARGS`` in its own process with ``environ`` as its CM_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CM_")}
    env.update(environ)
    return subprocess.run(
        [str(_CLI), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


# --- scanning text for secrets ------------------------------------------------------------

#: 13-19 digits, possibly grouped by single spaces or hyphens, not inside a longer digit run.
_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")


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
    """Luhn-valid runs of 13-19 digits in ``text``, written plain or grouped by single spaces
    or hyphens (``4111 1111 1111 1111``), not part of a longer digit run."""
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
