"""The CatalogSource contract: every channel with a catalog (the in-memory fake and the
Booking.com gateway talking to the sandbox over HTTP) lists its properties like this."""

from __future__ import annotations

import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError

from .contract_support import collect
from .gateway_harness import CatalogHarness, Fault


async def test_lists_every_hotel_the_connection_may_manage_once(
    catalog_harness: CatalogHarness,
) -> None:
    properties = await collect(catalog_harness.catalog.list_properties())

    assert sorted(p.hotel_code for p in properties) == catalog_harness.hotel_codes()
    assert all(p.name for p in properties)
    assert all(p.currency == catalog_harness.currency(p.hotel_code) for p in properties)


async def test_catalog_lists_room_types(catalog_harness: CatalogHarness) -> None:
    hotel = catalog_harness.hotel_codes()[0]

    catalog = await catalog_harness.catalog.get_catalog(hotel)

    room, _rate = catalog_harness.sold_pair(hotel)
    assert catalog.property.hotel_code == hotel
    assert room in {r.code for r in catalog.room_types}
    assert all(r.name for r in catalog.room_types)


# A calendar feed (iCal) has no rate plans, and its catalog is read from our own database:
# the two tests below are for channels whose catalog comes from the channel.
async def test_catalog_lists_rate_plans(remote_catalog_harness: CatalogHarness) -> None:
    hotel = remote_catalog_harness.hotel_codes()[0]

    catalog = await remote_catalog_harness.catalog.get_catalog(hotel)

    _room, rate = remote_catalog_harness.sold_pair(hotel)
    assert rate in {p.code for p in catalog.rate_plans}


async def test_catalog_of_a_hotel_outside_the_connection_is_refused(
    catalog_harness: CatalogHarness,
) -> None:
    with pytest.raises(PermanentChannelError):
        await catalog_harness.catalog.get_catalog("9999999")


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.TIMEOUT, Fault.MALFORMED])
async def test_transient_faults_on_listing_are_retryable(
    remote_catalog_harness: CatalogHarness, fault: Fault
) -> None:
    harness = remote_catalog_harness
    harness.inject(fault, GatewayOperation.LIST_PROPERTIES)

    with pytest.raises(RetryableChannelError):
        await collect(harness.catalog.list_properties())

    assert await collect(harness.catalog.list_properties())  # the next call goes through
