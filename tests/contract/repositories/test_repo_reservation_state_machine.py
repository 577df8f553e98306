"""A Hypothesis state machine: the SQLAlchemy reservation repository against a dict model.

Writes happen inside one open unit of work; ``commit`` and ``rollback`` are rules too, so the
model keeps the committed state and the pending changes apart.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.sqlalchemy.tables import metadata
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import (
    Guest,
    NightlyPrice,
    PaymentSummary,
    Reservation,
    ReservationStatus,
    Revision,
    RoomStay,
    Totals,
)
from channel_manager.ports.errors import DuplicateRecord
from tests.support.clock import session_offset

from .repository_builders import DAY0, Seeded, at, new_connection

EXTERNAL_IDS = ("A", "B", "C", "D")
#: Any text a channel can send: XML 1.0 (and PostgreSQL text) cannot carry NUL or surrogates.
texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8
)
amounts = st.integers(min_value=0, max_value=10**9).map(
    lambda n: Money(Decimal(n).scaleb(-4), "EUR")
)


@st.composite
def stays(draw, unit_ids: tuple[UUID, ...], arrival, departure) -> tuple[RoomStay, ...]:
    count = draw(st.integers(min_value=0, max_value=2))
    nights = (departure - arrival).days
    return tuple(
        RoomStay(
            index=index + 1,
            external_room_type_id=draw(st.sampled_from(("RT1", "RT2"))),
            unit_id=draw(st.sampled_from((*unit_ids, None))),
            arrival=arrival,
            departure=departure,
            guest_count=draw(st.integers(min_value=1, max_value=4)),
            nightly_prices=tuple(
                NightlyPrice(night=arrival + timedelta(days=n), amount=draw(amounts))
                for n in range(nights)
            ),
            total=draw(st.none() | amounts),
        )
        for index in range(count)
    )


@st.composite
def reservations(draw, seeded: Seeded, connection_ids: tuple[UUID, ...]) -> Reservation:
    arrival = DAY0 + timedelta(days=draw(st.integers(min_value=0, max_value=10)))
    departure = arrival + timedelta(days=draw(st.integers(min_value=1, max_value=4)))
    return Reservation(
        id=uuid4(),
        connection_id=draw(st.sampled_from(connection_ids)),
        external_id=draw(st.sampled_from(EXTERNAL_IDS)),
        external_property_id="H1",
        property_id=seeded.property.id,
        status=draw(st.sampled_from(ReservationStatus)),
        revision=Revision(at(draw(st.integers(0, 1000))), draw(st.integers(0, 3))),
        arrival=arrival,
        departure=departure,
        room_stays=draw(stays((seeded.unit.id,), arrival, departure)),
        booker=draw(st.none() | st.builds(Guest, given_name=texts, surname=texts)),
        totals=Totals(amount_after_tax=draw(st.none() | amounts)),
        currency="EUR",
        special_requests=tuple(draw(st.lists(texts, max_size=2))),
        payment=draw(st.none() | st.just(PaymentSummary(card_type="MC", last_four="4444"))),
    )


def _clear(engine) -> None:
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


class ReservationRepositoryMachine(RuleBasedStateMachine):
    """Drives one open unit of work and a model of committed + pending reservations."""

    engine: sa.Engine

    def __init__(self) -> None:
        super().__init__()
        _clear(self.engine)
        self.factory = SqlAlchemyUnitOfWorkFactory(self.engine, clock=SystemClock(session_offset()))
        with self.factory() as uow:
            self.seeded = Seeded(uow)
            second = new_connection(self.seeded.organization.id, 1)
            uow.connections.add(second)
            uow.commit()
        self.connection_ids = (self.seeded.connection.id, second.id)
        self.committed: dict[tuple[UUID, str], Reservation] = {}
        self.model: dict[tuple[UUID, str], Reservation] = {}
        self.uow = self.factory().__enter__()

    def teardown(self) -> None:
        self.uow.__exit__(None, None, None)

    @rule(data=st.data())
    def add(self, data: st.DataObject) -> None:
        reservation = data.draw(reservations(self.seeded, self.connection_ids))
        key = (reservation.connection_id, reservation.external_id)
        if key in self.model:
            with pytest.raises(DuplicateRecord):
                self.uow.reservations.add(reservation)
        else:
            self.uow.reservations.add(reservation)
            self.model[key] = reservation

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def update(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model, key=str)))
        drawn = data.draw(reservations(self.seeded, self.connection_ids))
        changed = attrs.evolve(
            drawn, id=self.model[key].id, connection_id=key[0], external_id=key[1]
        )
        self.uow.reservations.update(changed)
        self.model[key] = changed

    @rule()
    def commit(self) -> None:
        self.uow.commit()
        self.committed = dict(self.model)

    @rule()
    def rollback(self) -> None:
        self.uow.rollback()
        self.model = dict(self.committed)

    @rule(connection_index=st.integers(0, 1), external_id=st.sampled_from(EXTERNAL_IDS))
    def get_by_external(self, connection_index: int, external_id: str) -> None:
        connection_id = self.connection_ids[connection_index]
        expected = self.model.get((connection_id, external_id))
        assert self.uow.reservations.get_by_external(connection_id, external_id) == expected

    @rule(start=st.integers(0, 14), length=st.integers(0, 5))
    def list_overlapping(self, start: int, length: int) -> None:
        first, last = DAY0 + timedelta(days=start), DAY0 + timedelta(days=start + length)
        expected = sorted(
            (
                r
                for r in self.model.values()
                if not r.is_cancelled
                and any(
                    s.unit_id == self.seeded.unit.id and s.arrival <= last and s.departure > first
                    for s in r.room_stays
                )
            ),
            key=lambda r: (r.arrival, r.id),
        )
        assert self.uow.reservations.list_overlapping(self.seeded.unit.id, first, last) == expected

    @invariant()
    def every_reservation_reads_back_as_modelled(self) -> None:
        expected = sorted(self.model.values(), key=lambda r: (r.arrival, r.id))
        assert self.uow.reservations.list(self.seeded.organization.id, limit=1000) == expected
        for reservation in self.model.values():
            assert self.uow.reservations.get(reservation.id) == reservation


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def test_reservation_repository_behaves_like_a_dict(engine):
    ReservationRepositoryMachine.engine = engine
    run_state_machine_as_test(
        ReservationRepositoryMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
