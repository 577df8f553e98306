"""A channel hotel maps only to one of our properties in the currency it sells in: rates in
another currency are refused by the channel and bookings would arrive in a currency the
property does not keep. Suggestions leave such properties out; saving refuses them.
"""

from __future__ import annotations

from uuid import UUID

import attrs
import pytest

from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    UnitMappingInput,
)
from channel_manager.domain.channel import ExternalCatalog
from channel_manager.entrypoints.rest.errors import status_for
from tests.support.builders import ROOM_DOUBLE, catalog
from tests.unit.application.conftest import World

US_HOTEL = "1000004"


def _hotel_in(currency: str | None, name: str = "Canal House Amsterdam") -> ExternalCatalog:
    """A hotel named like our EUR property (so only its currency can tell them apart)."""
    base = catalog(US_HOTEL, name)
    return attrs.evolve(base, property=attrs.evolve(base.property, currency=currency))


def _map_to(property_id: UUID) -> MappingsInput:
    return MappingsInput(
        hotels=(
            HotelMappingInput(
                external_property_id=US_HOTEL,
                internal_property_id=property_id,
                units=(UnitMappingInput(external_room_type_id=ROOM_DOUBLE, create_unit=True),),
            ),
        )
    )


async def test_a_hotel_is_suggested_only_a_property_in_its_currency(world: World) -> None:
    world.channel.add_hotel(_hotel_in("USD"))
    connection = await world.connect()
    mappings = world.container.mappings()

    hotels = await mappings.discover(world.organization.id, connection.id)

    us = next(h for h in hotels if h.hotel_code == US_HOTEL)
    assert us.currency == "USD"
    assert us.suggested_property_id is None  # the same-named EUR property is not offered
    assert all(room.suggested_unit_id is None for room in us.room_types)
    assert all(plan.suggested_rate_plan_id is None for plan in us.rate_plans)

    ours = world.container.inventory().create_property(
        world.organization.id, "Canal House Amsterdam", "USD"
    )
    hotels = await mappings.discover(world.organization.id, connection.id)

    us = next(h for h in hotels if h.hotel_code == US_HOTEL)
    assert us.suggested_property_id == ours.id


async def test_mapping_a_hotel_to_a_property_in_another_currency_is_refused(
    world: World,
) -> None:
    world.channel.add_hotel(_hotel_in("USD", "New York Loft"))
    connection = await world.connect()
    mappings = world.container.mappings()
    units_before = world.container.inventory().list_units(world.organization.id, world.property.id)

    with pytest.raises(InvalidRequest) as refused:
        await mappings.save(world.organization.id, connection.id, _map_to(world.property.id))

    assert str(refused.value) == (
        "Booking.com hotel 'New York Loft' sells in USD; your property "
        "'Canal House Amsterdam' keeps rates in EUR. Choose a property in USD or create one."
    )
    assert status_for(refused.value)[0] == 422
    # Nothing stored: no mapping, no unit created for the refused hotel.
    assert mappings.mapped(world.organization.id, connection.id) == []
    units_after = world.container.inventory().list_units(world.organization.id, world.property.id)
    assert units_after == units_before


async def test_a_new_property_for_a_hotel_keeps_the_hotels_currency(world: World) -> None:
    world.channel.add_hotel(_hotel_in("USD", "New York Loft"))
    connection = await world.connect()
    request = MappingsInput(
        hotels=(HotelMappingInput(external_property_id=US_HOTEL, create_property=True),)
    )

    await world.container.mappings().save(world.organization.id, connection.id, request)

    [mapped] = world.container.mappings().mapped(world.organization.id, connection.id)
    assert (mapped.name, mapped.currency) == ("New York Loft", "USD")


async def test_a_hotel_naming_no_currency_maps_as_before(world: World) -> None:
    world.channel.add_hotel(_hotel_in(None))
    connection = await world.connect()
    mappings = world.container.mappings()

    hotels = await mappings.discover(world.organization.id, connection.id)
    assert next(h for h in hotels if h.hotel_code == US_HOTEL).suggested_property_id == (
        world.property.id
    )

    await mappings.save(world.organization.id, connection.id, _map_to(world.property.id))

    [mapped] = mappings.mapped(world.organization.id, connection.id)
    assert mapped.internal_property_id == world.property.id
