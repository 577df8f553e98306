"""Revision 0012_calendar_feeds: reservations stored before it are bookings, and adding the
column loses nothing (on SQLite, a table copy would have cascaded to the room stays)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from channel_manager.adapters.sqlalchemy import create_database_engine, downgrade, upgrade
from channel_manager.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.reservation import ReservationKind
from tests.support.clock import session_offset

from .repository_builders import rich_reservation, seed

#: The revision 0012_calendar_feeds follows.
BEFORE_FEEDS = "0011_calendar"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, make_postgres_database: object
) -> Iterator[str]:
    """An empty database at the newest revision (the test goes back from there)."""
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


def test_reservations_stored_before_are_bookings_with_every_room_and_guest(
    database: str,
) -> None:
    engine = create_database_engine(database)
    factory = SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock(session_offset()))
    try:
        seeded = seed(factory)
        block = attrs.evolve(rich_reservation(seeded), kind=ReservationKind.BLOCK)
        with factory() as uow:
            uow.reservations.add(block)
            uow.commit()
        downgrade(database, BEFORE_FEEDS)  # the kind is dropped with its column

        upgrade(database)

        with factory() as uow:
            stored = uow.reservations.get(block.id)
        assert stored == attrs.evolve(block, kind=ReservationKind.BOOKING)
        assert len(stored.room_stays) == 2
        assert stored.booker is not None
    finally:
        engine.dispose()
