"""A world with two Booking.com connections in one organisation (issue 14), for the web and
browser tests of the pages that work across connections."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import attrs
import sqlalchemy as sa

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.sqlalchemy import tables
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.domain.channel import (
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
)
from channel_manager.domain.connection import AuthMode
from channel_manager.settings import Settings
from tests.support.clock import MovableClock
from tests.unit.web.world import HOTEL_CODE, World, build_world, connect

CANAL_CODE = "7654321"
HARBOUR = "Booking.com · Harbour View Hotel"
CANAL = "Booking.com · Canal House"


@attrs.frozen
class TwoConnections:
    """The world, with the Harbour View connection (older) and the Canal House one (newer)."""

    world: World
    harbour: UUID
    canal: UUID


def connect_hotel(world: World, *hotel_codes: str, organization_id: UUID | None = None) -> UUID:
    """Connect through OAuth, granting ``hotel_codes`` only; the new connection's id."""
    connect_service = world.container.connect()
    url = connect_service.begin(
        organization_id or world.organization_id,
        AuthMode.OAUTH2,
        binding="test-caller",
        channel="booking",
    )
    authorizer = world.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(authorizer, FakeOAuth2Authorizer)
    params = authorizer.approve(url, hotel_codes)
    connection = asyncio.run(
        connect_service.complete(params["state"], params, binding="test-caller", channel="booking")
    )
    return connection.id


def map_hotel(
    world: World, connection_id: UUID, hotel: str, prop: UUID, room: str, unit: UUID, plan: str
) -> None:
    (our_plan, *_) = world.container.inventory().list_rate_plans(world.organization_id, prop)
    request = MappingsInput(
        hotels=(
            HotelMappingInput(
                external_property_id=hotel,
                internal_property_id=prop,
                units=(UnitMappingInput(external_room_type_id=room, internal_unit_id=unit),),
                rate_plans=(
                    RatePlanMappingInput(
                        external_rate_plan_id=plan, internal_rate_plan_id=our_plan.id
                    ),
                ),
            ),
        )
    )
    asyncio.run(world.container.mappings().save(world.organization_id, connection_id, request))
    _drop_opening_calendar(world)


def _drop_opening_calendar(world: World) -> None:
    """Set aside the year of availability a first mapping queues (its own tests cover it),
    so these page tests see only the pushes they make: the pushes, and the calendar's links
    to them (the rates grid reads a link's push state; the database's foreign key would
    refuse a push deleted under its links)."""
    with world.container.engine().begin() as connection:
        connection.execute(sa.delete(tables.calendar_pushes))
        connection.execute(sa.delete(tables.outbound_messages))


def later(world: World, delta: timedelta = timedelta(minutes=1)) -> None:
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    clock.advance(delta)


def two_connections(settings: Settings | None = None) -> TwoConnections:
    """One organisation with two Booking.com connections, each holding one mapped hotel."""
    world = build_world(settings=settings)
    harbour = connect(world)  # before the second hotel exists: it holds Harbour View only
    world.channel.add_hotel(
        ExternalCatalog(
            property=ExternalProperty(CANAL_CODE, "Canal House", "EUR"),
            room_types=(ExternalRoomType("TWN", "Twin Room", 2),),
            rate_plans=(ExternalRatePlan("FLEX", "Flexible Rate"),),
        )
    )
    later(world)
    canal = connect_hotel(world, CANAL_CODE)
    inventory = world.container.inventory()
    canal_house = inventory.create_property(world.organization_id, "Canal House", "EUR")
    twin = inventory.create_unit(world.organization_id, canal_house.id, "Twin", count=2)
    inventory.create_rate_plan(world.organization_id, canal_house.id, "Flexible", "FLEX")
    map_hotel(world, harbour, HOTEL_CODE, world.property_id, "DBL", world.double_unit_id, "STD")
    map_hotel(world, canal, CANAL_CODE, canal_house.id, "TWN", twin.id, "FLEX")
    return TwoConnections(world, harbour, canal)
