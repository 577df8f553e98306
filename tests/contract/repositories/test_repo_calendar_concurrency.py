"""On PostgreSQL, a calendar change and a booking of the same night, at the same moment: the
one that comes second waits for the first one's rows and publishes from what it committed, so
the newest availability queued is rooms to sell minus rooms booked (either alone would have
published from a state without the other)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock, Uuid4Generator
from channel_manager.application.ari import AriOutbox, AvailabilityPublisher
from channel_manager.application.calendar_fanout import CalendarPublisher
from channel_manager.application.reservations import ReservationIntake
from channel_manager.domain.ari import AvailRequest, DayValues
from channel_manager.domain.calendar import CalendarNight
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization, Property, Unit
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from tests.support.builders import HOTEL, ROOM_DOUBLE, booking
from tests.support.clock import next_year, session_offset
from tests.support.publish import BOOKING_POLICIES

NIGHT = next_year(5, 5)


class TickingClock:
    """Each reading a microsecond after the last: pushes are ordered as they were queued."""

    def __init__(self) -> None:
        self._now = datetime(2030, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += timedelta(microseconds=1)
            return self._now


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["calendar change", "booking"])
def test_a_change_and_a_booking_of_one_night_publish_in_turn(postgres_engine, first):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    organization = Organization(uuid4(), "Canal Hotels")
    prop = Property(uuid4(), organization.id, "Canal House", "EUR")
    unit = Unit(uuid4(), prop.id, "Double", count=5)
    clock = TickingClock()
    connection = Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="vault:1",
        created_at=clock.now(),
    )
    mapping = PropertyMapping(
        id=uuid4(),
        connection_id=connection.id,
        internal_property_id=prop.id,
        external_property_id=HOTEL,
        created_at=clock.now(),
    )
    with factory() as uow:
        uow.organizations.add(organization)
        uow.properties.add(prop)
        uow.units.add(unit)
        uow.connections.add(connection)
        uow.property_mappings.add(mapping)
        uow.unit_mappings.add(
            UnitMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_unit_id=unit.id,
                external_room_type_id=ROOM_DOUBLE,
                created_at=clock.now(),
            )
        )
        uow.commit()
    ids = Uuid4Generator()
    outbox = AriOutbox(clock, ids, max_attempts=3, policies=BOOKING_POLICIES)
    calendar = CalendarPublisher(outbox)
    intake = ReservationIntake(factory, ids, AvailabilityPublisher(outbox))
    holding = threading.Event()
    errors: list[BaseException] = []

    def change(hold: bool) -> None:
        with factory() as uow:
            night = CalendarNight(unit.id, None, NIGHT, DayValues(availability=2))
            calendar.write(uow, organization.id, [night])
            if hold:
                holding.set()
                threading.Event().wait(0.3)  # the booking now waits on our rows
            uow.commit()

    def book(hold: bool) -> None:
        with factory() as uow:
            intake.apply_in(uow, connection, booking("R1", arrival=NIGHT, nights=1))
            if hold:
                holding.set()
                threading.Event().wait(0.3)
            uow.commit()

    def second() -> None:
        try:
            holding.wait(5)
            (book if first == "calendar change" else change)(False)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    (change if first == "calendar change" else book)(True)
    thread.join(10)
    assert errors == []

    with factory() as uow:
        pushes = uow.outbound.list(organization_id=organization.id)
        booked = uow.booked_nights.booked({unit.id: [NIGHT]})
    assert booked == {unit.id: {NIGHT: 1}}
    newest = max(pushes, key=lambda m: m.created_at)
    assert isinstance(newest.payload, AvailRequest)
    [item] = newest.payload.items
    assert (item.start, item.booking_limit) == (NIGHT, 1)  # 2 to sell, 1 booked
