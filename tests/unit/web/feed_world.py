"""The web tests' world with calendars: a second property of vacation rentals (a one-room
loft and a studio) and a unit of another organisation, so the pages can connect calendars
(the container's iCal channel, reading an ``InMemoryFeedReader``: no network) and show what
they bring.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
from litestar import Litestar

from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.feed import FEED_ROOM_CODE, feed_hotel_code
from channel_manager.domain.reservation import (
    Reservation,
    ReservationKind,
    Revision,
    RoomStay,
)
from channel_manager.settings import Settings
from tests.support.feed_world import FEED_CHANNEL
from tests.unit.web.world import World, build_world, web_app


@attrs.frozen
class FeedWorld:
    """The web world plus the rentals: ``loft_id`` (one room), ``studio_id`` and another
    organisation's unit ``foreign_unit_id`` (with its organisation ``foreign_org``)."""

    world: World
    loft_id: UUID
    studio_id: UUID
    foreign_org: UUID
    foreign_unit_id: UUID

    @property
    def org(self) -> UUID:
        """The signed-in organisation."""
        return self.world.organization_id

    def now(self) -> datetime:
        """The world's clock."""
        return self.world.container.clock().now()

    def update_feed(self, connection_id: UUID, **changes: Any) -> None:
        """Store the calendar's figures as a fetch would have left them."""
        with self.world.container.uow_factory()() as uow:
            feed = uow.calendar_feeds.get(connection_id)
            uow.calendar_feeds.update(attrs.evolve(feed, **changes))
            uow.commit()

    def apply(
        self,
        connection_id: UUID,
        external_id: str,
        arrival: date,
        *,
        nights: int,
        kind: ReservationKind = ReservationKind.BOOKING,
    ) -> UUID:
        """A stay (or block) of the calendar ``connection_id``, applied as its import would;
        the stored reservation's id."""
        departure = arrival + timedelta(days=nights)
        reservation = Reservation(
            id=uuid.uuid4(),
            connection_id=connection_id,
            channel=FEED_CHANNEL,
            external_id=external_id,
            external_property_id=feed_hotel_code(connection_id),
            revision=Revision(self.now()),
            arrival=arrival,
            departure=departure,
            room_stays=(
                RoomStay(
                    index=1,
                    external_room_type_id=FEED_ROOM_CODE,
                    arrival=arrival,
                    departure=departure,
                    guest_count=1,
                ),
            ),
            currency="EUR",
            source="ical",
            kind=kind,
        )
        queries = self.world.container.queries()
        connection = queries.connection(self.org, connection_id)
        self.world.container.intake().apply(
            connection,
            ChannelReservation(
                kind=ReservationMessageKind.NEW, reservation=reservation, ack_key=external_id
            ),
        )
        [stored] = [
            r
            for r in queries.reservations(self.org, limit=500)
            if r.connection_id == connection_id and r.external_id == external_id
        ]
        return stored.id

    def foreign_calendar(self) -> UUID:
        """A calendar of the other organisation (on its unit); its connection's id."""
        connected = self.world.container.feeds().connect(
            self.foreign_org,
            channel=FEED_CHANNEL,
            name="Someone else's cabin",
            unit_id=self.foreign_unit_id,
            import_url="https://www.airbnb.com/calendar/ical/999.ics?s=other",
        )
        return connected.connection.id


def build_feed_world(settings: Settings | None = None) -> FeedWorld:
    """The web world with the calendar channel, a rentals property and a foreign unit."""
    world = build_world(settings=settings)
    inventory = world.container.inventory()
    rentals = inventory.create_property(world.organization_id, "Sea View Apartments", "EUR")
    loft = inventory.create_unit(world.organization_id, rentals.id, "Loft", count=1)
    studio = inventory.create_unit(world.organization_id, rentals.id, "Studio", count=1)
    other = inventory.ensure_organization("Someone Else")
    cabins = inventory.create_property(other.id, "Forest Cabins", "EUR")
    cabin = inventory.create_unit(other.id, cabins.id, "Cabin", count=1)
    return FeedWorld(world, loft.id, studio.id, other.id, cabin.id)


def feed_app(feeds: FeedWorld) -> Litestar:
    """The full app over the world's container."""
    return web_app(feeds.world)
