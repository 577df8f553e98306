"""Revision 0005 masks card numbers already stored in guest text and the message log with the
rules new rows are masked by (issue 12 §4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import create_database_engine, downgrade, tables, upgrade
from channel_manager.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Address, Guest
from tests.support.clock import session_offset

from .repository_builders import at, rich_reservation, seed

CARD = "4111\u00a01111\u00a01111\u00a01111"
OTHER = "5555.5555.5555.4444"


#: The migration 0005 (masking) follows this one.
BEFORE_MASKING = "0007"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_before_masking(
    request: pytest.FixtureRequest, tmp_path: Path, make_postgres_database: object
) -> Iterator[str]:
    """An empty database migrated to the newest revision: the test writes with today's
    repositories, then goes back to the revision just before the masking (0005), whose later
    revisions add columns those repositories write."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server_url")
    assert callable(make_postgres_database)
    with make_postgres_database(server) as url:
        upgrade(url)
        yield url


def test_cards_stored_before_are_masked_by_the_upgrade(database_before_masking: str) -> None:
    engine = create_database_engine(database_before_masking)
    factory = SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock(session_offset()))
    try:
        seeded = seed(factory)
        reservation = rich_reservation(seeded)
        stay = attrs.evolve(
            reservation.room_stays[0], remarks=(f"card {CARD} cvc 123",), guest_names=(OTHER,)
        )
        guest = Guest(
            given_name="Ann",
            surname=f"Lee {OTHER}",
            phone="+31 20 555 0199",
            address=Address(lines=(f"pay {CARD}",), city="Delft"),
        )
        typed = attrs.evolve(
            reservation,
            remarks=(f"please charge {OTHER} exp 12/27 cvv 987", "booking 4705950059"),
            special_requests=(f"card:{CARD}",),
            room_stays=(stay, *reservation.room_stays[1:]),
            guests=(guest,),
        )
        entry = MessageLogEntry(
            id=reservation.raw_message_id or seeded.connection.id,
            connection_id=seeded.connection.id,
            direction=MessageDirection.INBOUND,
            message_type="OTA_HotelResNotifRQ",
            endpoint="POST /ota/booking/reservations",
            body=f"<Text>card {CARD} cvc 123</Text><X ResID_Value='4705950059'/>",
            created_at=at(0),
        )
        with factory() as uow:
            uow.reservations.add(typed)
            uow.message_log.add(entry)
            uow.commit()
        downgrade(database_before_masking, BEFORE_MASKING)  # the rows as 0007 held them

        upgrade(database_before_masking)

        with factory() as uow:
            masked = uow.reservations.get(typed.id)
            [logged] = uow.message_log.list(seeded.connection.id)
        assert masked.remarks == ("please charge ***4444 exp 12/27 cvv ***", "booking 4705950059")
        assert masked.special_requests == ("card:***1111",)
        assert masked.room_stays[0].remarks == ("card ***1111 cvc ***",)
        assert masked.room_stays[0].guest_names == ("***4444",)
        assert masked.guests[0].surname == "Lee ***4444"
        assert masked.guests[0].phone == "+31 20 555 0199"
        assert masked.guests[0].address == Address(lines=("pay ***1111",), city="Delft")
        assert masked.booker == typed.booker  # nothing to mask: untouched
        assert logged.body == "<Text>card ***1111 cvc ***</Text><X ResID_Value='4705950059'/>"
        # Masking cannot be undone; downgrading leaves the rows masked and works.
        downgrade(database_before_masking, BEFORE_MASKING)
        # Read as 0007 holds it (today's repositories write columns added later).
        table = tables.reservations
        with engine.connect() as connection:
            remarks, requests = connection.execute(
                sa.select(table.c.remarks, table.c.special_requests).where(table.c.id == typed.id)
            ).one()
        assert (tuple(remarks), tuple(requests)) == (masked.remarks, masked.special_requests)
    finally:
        engine.dispose()
