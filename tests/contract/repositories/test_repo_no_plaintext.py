"""Nothing readable in the database: every table is read back raw and searched for the
access token, the client secret and the card number that went through the system.

Credentials are stored the way the application stores them (sealed by the real AES-GCM
vault), the card through the domain's payment summary, message bodies through the redactor,
a pushed message waiting in the push inbox sealed whole.
"""

from __future__ import annotations

import json
from uuid import uuid4

import attrs
import pytest
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.sqlalchemy.tables import metadata
from channel_manager.adapters.system import SystemClock
from channel_manager.adapters.vault.aesgcm import AesGcmVault
from channel_manager.adapters.vault.keys import generate_key
from channel_manager.adapters.vault.log_redaction import redact
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.push_inbox import InboxRoute, InboxRow, seal_context
from channel_manager.domain.reservation import PaymentSummary
from channel_manager.ports.vault import Secret
from tests.support.clock import session_offset

from .repository_builders import at, rich_reservation, seed

ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.access-token-plaintext-4f1c"
CLIENT_SECRET = "client-secret-plaintext-9d2e"
CARD_NUMBER = "4111 1111 1111 1111"
FORBIDDEN = (ACCESS_TOKEN, CLIENT_SECRET, CARD_NUMBER, CARD_NUMBER.replace(" ", ""))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def _every_stored_value(engine) -> str:
    """Every column of every row of every table, as text (bytes decoded leniently)."""
    chunks = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif isinstance(value, dict | list):
                        chunks.append(json.dumps(value))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_no_table_holds_a_plaintext_token_secret_or_card_number(engine):
    factory = SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock(session_offset()))
    vault = AesGcmVault.from_config(generate_key())
    seeded = seed(factory)
    credentials = json.dumps({"access_token": ACCESS_TOKEN, "client_secret": CLIENT_SECRET})
    reservation = attrs.evolve(
        rich_reservation(seeded), payment=PaymentSummary.from_card(CARD_NUMBER, "VI", "12/27")
    )
    body = (
        f"<OTA_HotelResNotifRQ><PaymentCard CardNumber='{CARD_NUMBER}'/>"
        f"Authorization: Bearer {ACCESS_TOKEN} client_secret={CLIENT_SECRET}</OTA_HotelResNotifRQ>"
    )
    with factory() as uow:
        uow.secrets.put("connection/1", vault.seal(Secret(credentials)))
        uow.connections.update(seeded.connection.activate("connection/1", at(1)))
        uow.reservations.add(reservation)
        uow.message_log.add(
            MessageLogEntry(
                id=uuid4(),
                connection_id=seeded.connection.id,
                direction=MessageDirection.INBOUND,
                message_type="OTA_HotelResNotifRQ",
                endpoint="/ota/booking/reservations",
                body=redact(body, known_secrets=(ACCESS_TOKEN, CLIENT_SECRET)),
                created_at=at(2),
            )
        )
        # A pushed message waiting in the inbox, sealed as the push endpoint seals it.
        row_id = uuid4()
        uow.push_inbox.add(
            InboxRow(
                id=row_id,
                channel="booking",
                received_at=at(3),
                sealed_body=vault.seal(Secret(body.encode()), seal_context(row_id)),
                message_type="OTA_HotelResNotifRQ",
                ruid=None,
                routes=(InboxRoute("R1", "1234567"),),
            )
        )
        uow.commit()

    dump = _every_stored_value(engine)
    assert "1111" in dump  # the last four digits are kept: the scan does see the data
    for plaintext in FORBIDDEN:
        assert plaintext not in dump
    with factory() as uow:
        assert vault.open(uow.secrets.get("connection/1")).reveal_text() == credentials
