"""A world for the calendar feed use cases: the container's feed services (the iCal plug-in,
the iCal adapter's reader and writer) over a private SQLite file, an organisation with two units
and a Booking-like connection; and readers of export bodies."""

from __future__ import annotations

import builtins
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import attrs
import icalendar
from dependency_injector import providers

from channel_manager.adapters.ical.gateway import ICAL_CHANNEL
from channel_manager.application.feeds import FeedConnection, FeedService
from channel_manager.container import Container
from channel_manager.domain.availability import occupancy
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization, Property, Unit
from channel_manager.domain.mapping import PropertyMapping
from channel_manager.domain.reservation import Reservation, ReservationKind, Revision, RoomStay
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory
from tests.support.clock import MovableClock, session_now
from tests.support.containers import app_container, make_settings

#: The feed channel's key.
FEED_CHANNEL = ICAL_CHANNEL


def parse_ranges(body: bytes) -> list[tuple[str, date, date, str]]:
    """(uid, start, end, summary) of every event of an export body."""
    cal = icalendar.Calendar.from_ical(body)
    ranges = []
    for event in cal.walk("VEVENT"):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert isinstance(start, date), start
        assert isinstance(end, date), end
        ranges.append((str(event["uid"]), start, end, str(event["summary"])))
    return ranges


def stamp_of(body: bytes) -> list[datetime]:
    """Every DTSTAMP of an export body."""
    cal = icalendar.Calendar.from_ical(body)
    return [event.decoded("dtstamp") for event in cal.walk("VEVENT")]


def book(
    uow: UnitOfWork,
    *,
    connection_id: UUID,
    channel: str,
    unit_id: UUID,
    arrival: date,
    nights: int,
    external_id: str,
    kind: ReservationKind = ReservationKind.BOOKING,
    hotel_code: str = "1000001",
) -> Reservation:
    """Store a one-room reservation of ``unit_id`` and count its rooms booked per night, as
    the reservation intake does (inside the caller's unit of work)."""
    departure = arrival + timedelta(days=nights)
    reservation = Reservation(
        id=uuid4(),
        connection_id=connection_id,
        channel=channel,
        external_id=external_id,
        external_property_id=hotel_code,
        revision=Revision(session_now()),
        arrival=arrival,
        departure=departure,
        room_stays=(
            RoomStay(
                index=1,
                external_room_type_id="room",
                unit_id=unit_id,
                arrival=arrival,
                departure=departure,
            ),
        ),
        currency="EUR",
        kind=kind,
    )
    uow.reservations.add(reservation)
    uow.booked_nights.add(occupancy(reservation))
    return reservation


@attrs.define
class FeedWorld:
    """An organisation with a one-room loft and a two-room apartment, a Booking-like
    connection, the feed use cases over a private SQLite file, and a movable clock."""

    container: Container
    clock: MovableClock
    feeds: FeedService
    organization: Organization
    property: Property
    loft: Unit
    apartments: Unit
    booking: Connection

    @builtins.property  # the field `property` shadows the builtin in this class body
    def first(self) -> date:
        """A night a month after the property's today (what tests book around)."""
        return self.clock.now().date() + timedelta(days=30)

    def connect(self, name: str = "Airbnb - Loft", unit: Unit | None = None) -> FeedConnection:
        """A calendar of ``unit`` (the loft by default) connected."""
        return self.feeds.connect(
            self.organization.id,
            channel=FEED_CHANNEL,
            name=name,
            unit_id=(unit or self.loft).id,
            import_url=AIRBNB_URL,
        )

    def book(
        self, connection_id: UUID, unit: Unit, arrival: date, nights: int, ref: str
    ) -> Reservation:
        """A reservation of ``unit`` on ``connection_id``, stored and counted."""
        with self.container.uow_factory()() as uow:
            channel = uow.connections.get(connection_id).channel
            reservation = book(
                uow,
                connection_id=connection_id,
                channel=channel,
                unit_id=unit.id,
                arrival=arrival,
                nights=nights,
                external_id=ref,
            )
            uow.commit()
        return reservation


#: An Airbnb-like import URL: its path is the secret part.
AIRBNB_URL = "https://www.airbnb.com/calendar/ical/12345.ics?s=0123456789abcdefsecret"
#: The public URL of the tests' service.
PUBLIC_URL = "https://cm.example"


def add_booking_connection(
    container: Container, organization_id: UUID, property_id: UUID, now: datetime
) -> Connection:
    """An active Booking.com-like connection of the organisation with hotel ``1000001``
    ("Sea View Hotel") mapped to ``property_id``: the other channel of a feed's unit."""
    booking = Connection(
        id=uuid4(),
        organization_id=organization_id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="connection:booking",
        created_at=now,
    )
    with container.uow_factory()() as uow:
        uow.connections.add(booking)
        uow.property_mappings.add(
            PropertyMapping(
                id=uuid4(),
                connection_id=booking.id,
                internal_property_id=property_id,
                external_property_id="1000001",
                external_property_name="Sea View Hotel",
                created_at=now,
            )
        )
        uow.commit()
    return booking


def feed_world(uow_factory: UnitOfWorkFactory | None = None) -> FeedWorld:
    """A fresh :class:`FeedWorld` (over ``uow_factory``'s empty database when given, else a
    private SQLite file)."""
    clock = MovableClock()
    settings = make_settings({"CM_PUBLIC_URL": PUBLIC_URL})
    container = app_container(settings=settings)
    if uow_factory is not None:
        container.uow_factory.override(providers.Object(uow_factory))
    # The real reader: checking a URL does no I/O, and its rules are what a person meets.
    container.feed_reader.reset_override()
    container.clock.override(providers.Object(clock))
    inventory = container.inventory()
    organization = inventory.ensure_organization("Sea View Rentals")
    prop = inventory.create_property(organization.id, "Sea View", "EUR")
    loft = inventory.create_unit(organization.id, prop.id, "Loft", count=1, max_occupancy=2)
    apartments = inventory.create_unit(organization.id, prop.id, "Apartment", 2, 4)
    booking = add_booking_connection(container, organization.id, prop.id, clock.now())
    return FeedWorld(
        container, clock, container.feeds(), organization, prop, loft, apartments, booking
    )
