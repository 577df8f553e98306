"""Revision 0011_calendar creates our calendar's tables and backfills the rooms booked per
night from the reservations already stored, as the domain counts them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import attrs
import pytest

from channel_manager.adapters.sqlalchemy import create_database_engine, downgrade, upgrade
from channel_manager.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.availability import occupancy
from channel_manager.domain.reservation import ReservationStatus
from tests.support.clock import session_offset

from .repository_builders import DAY0, rich_reservation, seed

#: The revision 0011_calendar follows.
BEFORE_CALENDAR = "0009_api_key_last_used"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_before_calendar(
    request: pytest.FixtureRequest, tmp_path: Path, make_postgres_database: object
) -> Iterator[str]:
    """An empty database migrated to the newest revision: the test writes with today's
    repositories, then goes back to the revision just before the calendar (later revisions
    add columns those repositories write)."""
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


def test_the_upgrade_counts_the_stored_reservations_nights(database_before_calendar: str) -> None:
    engine = create_database_engine(database_before_calendar)
    factory = SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock(session_offset()))
    try:
        seeded = seed(factory)
        stored = [
            rich_reservation(seeded, external_id="A", arrival=DAY0, nights=3),
            rich_reservation(seeded, external_id="B", arrival=DAY0 + timedelta(days=2)),
            rich_reservation(seeded, external_id="C", status=ReservationStatus.CANCELLED),
            rich_reservation(seeded, external_id="D", arrival=DAY0 + timedelta(days=40)),
        ]
        two_rooms = attrs.evolve(
            stored[1],
            room_stays=(
                stored[1].room_stays[0],
                attrs.evolve(stored[1].room_stays[0], index=3),
            ),
        )
        stored[1] = two_rooms
        with factory() as uow:
            uow.reservations.add_many(stored)
            uow.commit()
        downgrade(database_before_calendar, BEFORE_CALENDAR)  # the rows as 0009 held them

        upgrade(database_before_calendar)

        expected: Counter[object] = Counter()
        for reservation in stored:
            expected.update(occupancy(reservation))
        with factory() as uow:
            window = uow.booked_nights.window(
                [seeded.unit.id], DAY0 - timedelta(days=1), DAY0 + timedelta(days=60)
            )
        found = {(seeded.unit.id, night): rooms for night, rooms in window[seeded.unit.id].items()}
        assert found == dict(expected)
        assert found[(seeded.unit.id, DAY0 + timedelta(days=2))] == 3  # A, and B's two rooms

        downgrade(database_before_calendar, BEFORE_CALENDAR)
        upgrade(database_before_calendar)
        with factory() as uow:
            again = uow.booked_nights.window(
                [seeded.unit.id], DAY0 - timedelta(days=1), DAY0 + timedelta(days=60)
            )
        assert again == window
    finally:
        engine.dispose()
