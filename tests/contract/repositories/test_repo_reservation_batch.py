"""Contract: the batch reads and writes the poll uses (every backend), and a batch in which
one message cannot be stored (PostgreSQL, where a 300-character id does not fit).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import attrs
import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock, Uuid4Generator
from channel_manager.application.ari import AriOutbox, AvailabilityPublisher
from channel_manager.application.reservations import ReservationIntake
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.ledger import LedgerOutcome
from channel_manager.domain.reservation import Guest, Reservation, Revision
from channel_manager.ports.errors import DuplicateRecord
from tests.support.clock import session_offset
from tests.support.publish import BOOKING_POLICIES

from .repository_builders import DAY0, at, rich_reservation, seed


def test_get_many_by_external_finds_only_this_connections_reservations(uow_factory):
    seeded = seed(uow_factory)
    first = rich_reservation(seeded, external_id="A")
    second = rich_reservation(seeded, external_id="B", arrival=DAY0 + timedelta(days=3))
    with uow_factory() as uow:
        uow.reservations.add(first)
        uow.reservations.add(second)
        uow.commit()
    with uow_factory() as uow:
        found = uow.reservations.get_many_by_external(seeded.connection.id, ["A", "B", "C"])
        assert found == {"A": first, "B": second}
        assert uow.reservations.get_many_by_external(uuid4(), ["A"]) == {}
        assert uow.reservations.get_many_by_external(seeded.connection.id, []) == {}


def test_add_many_stores_every_reservation_with_its_children(uow_factory):
    seeded = seed(uow_factory)
    batch = [
        rich_reservation(seeded, external_id=f"R{n}", arrival=DAY0 + timedelta(days=n))
        for n in range(5)
    ]
    with uow_factory() as uow:
        uow.reservations.add_many(batch)
        uow.reservations.add_many([])
        uow.commit()
    with uow_factory() as uow:
        for reservation in batch:
            assert uow.reservations.get(reservation.id) == reservation


def test_add_many_refuses_a_reservation_already_stored(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        uow.reservations.add(rich_reservation(seeded, external_id="A"))
        uow.commit()
    with uow_factory() as uow:
        again = attrs.evolve(rich_reservation(seeded, external_id="A"), id=uuid4())
        with pytest.raises(DuplicateRecord):
            uow.reservations.add_many([rich_reservation(seeded, external_id="B"), again])


def _intake(factory: SqlAlchemyUnitOfWorkFactory) -> ReservationIntake:
    ids = Uuid4Generator()
    publisher = AvailabilityPublisher(
        AriOutbox(SystemClock(), ids, max_attempts=3, policies=BOOKING_POLICIES)
    )
    return ReservationIntake(factory, ids, publisher)


def _message(reservation: Reservation) -> ChannelReservation:
    return ChannelReservation(
        ReservationMessageKind.NEW, reservation, f"new:{reservation.external_id}"
    )


def test_a_message_the_batch_cannot_store_fails_alone(postgres_engine):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory)
    with factory() as uow:
        uow.connections.update(seeded.connection.activate("vault:1", at(1)))
        uow.commit()
    with factory() as uow:
        connection = uow.connections.get(seeded.connection.id)
    first = rich_reservation(seeded, external_id="A", revision=Revision(at(2)))
    too_long = rich_reservation(seeded, external_id="X" * 300, revision=Revision(at(2)))
    last = rich_reservation(seeded, external_id="B", revision=Revision(at(2)))

    results = _intake(factory).apply_batch(
        connection, [_message(first), _message(too_long), _message(last)]
    )

    assert results[0] is LedgerOutcome.CREATED
    assert isinstance(results[1], InvalidValue)
    assert results[2] is LedgerOutcome.CREATED
    with factory() as uow:
        stored = uow.reservations.get_many_by_external(connection.id, ["A", "B", "X" * 300])
    assert sorted(stored) == ["A", "B"]


@pytest.mark.parametrize(
    "name", ["G" * 300, "nul\x00in a name"], ids=["too long for its column", "NUL character"]
)
def test_a_child_value_the_database_refuses_is_an_invalid_value(postgres_engine, name):
    # PostgreSQL stores a batch's child rows with COPY, whose errors come from the driver.
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory)
    guest = Guest(given_name=name, surname="Doe")
    refused = attrs.evolve(rich_reservation(seeded, external_id="A"), guests=(guest,))
    with factory() as uow:
        with pytest.raises(InvalidValue):
            uow.reservations.add_many([rich_reservation(seeded, external_id="B"), refused])
        uow.rollback()
        uow.reservations.add_many([rich_reservation(seeded, external_id="C")])
        uow.commit()
    with factory() as uow:
        assert sorted(uow.reservations.get_many_by_external(seeded.connection.id, "ABC")) == ["C"]
