"""The rooms booked per night are kept by the transactions applying reservations: after any
sequence of new, modified and cancelled bookings (duplicated, reordered, alone or in
batches), the table equals a recount from the stored reservations, and the newest
availability queued per room and night is what is left to sell by it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import Uuid4Generator
from channel_manager.application.ari import AriOutbox, AvailabilityPublisher
from channel_manager.application.reservations import ReservationIntake
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.availability import occupancy
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization, Property, Unit
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from tests.support.builders import HOTEL, ROOM_DOUBLE, ROOM_SUITE, booking
from tests.support.clock import MovableClock, next_year
from tests.support.database import fresh_engine
from tests.support.publish import BOOKING_POLICIES

FIRST = next_year(3, 1)
UNMAPPED_ROOM = "999999"
COUNTS = {ROOM_DOUBLE: 2, ROOM_SUITE: 1}


class Hotel:
    """An organisation whose hotel maps two room types to units of 2 and 1 rooms."""

    def __init__(self) -> None:
        self.clock = MovableClock()
        self.factory = SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=self.clock)
        now = self.clock.now()
        organization = Organization(uuid4(), "Canal Hotels")
        prop = Property(uuid4(), organization.id, "Canal House", "EUR")
        self.connection = Connection(
            id=uuid4(),
            organization_id=organization.id,
            channel="booking",
            auth_mode=AuthMode.OAUTH2,
            status=ConnectionStatus.ACTIVE,
            credential_ref="vault:1",
            created_at=now,
        )
        mapping = PropertyMapping(
            id=uuid4(),
            connection_id=self.connection.id,
            internal_property_id=prop.id,
            external_property_id=HOTEL,
            created_at=now,
        )
        self.units: dict[str, UUID] = {}
        with self.factory() as uow:
            uow.organizations.add(organization)
            uow.properties.add(prop)
            uow.connections.add(self.connection)
            uow.property_mappings.add(mapping)
            for room, count in COUNTS.items():
                unit = Unit(uuid4(), prop.id, f"room {room}", count=count)
                self.units[room] = unit.id
                uow.units.add(unit)
                uow.unit_mappings.add(
                    UnitMapping(
                        id=uuid4(),
                        property_mapping_id=mapping.id,
                        internal_unit_id=unit.id,
                        external_room_type_id=room,
                        created_at=now,
                    )
                )
            uow.commit()
        ids = Uuid4Generator()
        publisher = AvailabilityPublisher(
            AriOutbox(self.clock, ids, max_attempts=3, policies=BOOKING_POLICIES)
        )
        self.intake = ReservationIntake(self.factory, ids, publisher)
        self.organization_id = organization.id

    def recount(self) -> Counter[tuple[UUID, date]]:
        """Rooms booked per (unit, night), counted from every stored reservation."""
        with self.factory() as uow:
            stored = uow.reservations.list(self.organization_id, limit=100_000)
        total: Counter[tuple[UUID, date]] = Counter()
        for reservation in stored:
            total.update(occupancy(reservation))
        return total

    def table(self) -> Counter[tuple[UUID, date]]:
        """The per-night table's non-zero counts."""
        with self.factory() as uow:
            window = uow.booked_nights.window(
                list(self.units.values()), FIRST - timedelta(days=1), FIRST + timedelta(days=60)
            )
        return Counter(
            {
                (unit, night): rooms
                for unit, by_night in window.items()
                for night, rooms in by_night.items()
                if rooms
            }
        )

    def newest_availability(self) -> dict[tuple[str, date], int]:
        """The newest booking limit queued per (room type, night)."""
        with self.factory() as uow:
            messages = uow.outbound.list(limit=100_000)
        newest: dict[tuple[str, date], int] = {}
        for message in sorted(messages, key=lambda m: m.created_at):
            if not isinstance(message.payload, AvailRequest):
                continue
            for item in message.payload.items:
                day = item.start
                while day <= item.end:
                    assert item.booking_limit is not None
                    newest[(item.room_type_code, day)] = item.booking_limit
                    day += timedelta(days=1)
        return newest


messages = st.builds(
    lambda external, kind, room, offset, nights, minute: booking(
        external,
        kind=kind,
        room=room,
        arrival=FIRST + timedelta(days=offset),
        nights=nights,
        minute=minute,
    ),
    external=st.sampled_from(["R1", "R2", "R3", "R4"]),
    kind=st.sampled_from(list(ReservationMessageKind)),
    room=st.sampled_from([ROOM_DOUBLE, ROOM_SUITE, UNMAPPED_ROOM]),
    offset=st.integers(0, 6),
    nights=st.integers(1, 4),
    minute=st.integers(0, 59),
)


@settings(
    max_examples=min(60, settings().max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(batches=st.lists(st.lists(messages, min_size=1, max_size=4), max_size=8), alone=st.data())
def test_booked_nights_equal_a_recount_after_any_sequence(
    batches: list[list[ChannelReservation]], alone: st.DataObject
) -> None:
    hotel = Hotel()
    for batch in batches:
        hotel.clock.advance(timedelta(seconds=1))
        if alone.draw(st.booleans(), label="one transaction per message"):
            for message in batch:
                hotel.clock.advance(timedelta(seconds=1))  # pushes ordered by creation
                hotel.intake.apply(hotel.connection, message)
        else:
            hotel.intake.apply_batch(hotel.connection, batch)

    assert hotel.table() == hotel.recount()
    booked = hotel.recount()
    for (room, night), limit in hotel.newest_availability().items():
        assert limit == max(0, COUNTS[room] - booked[(hotel.units[room], night)]), (room, night)
