"""The ChannelGateway contract: every gateway (the in-memory fake and the Booking.com gateway
talking to the sandbox over HTTP) must behave like this."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from gateway_harness import THROTTLE_SECONDS, Fault, GatewayHarness
from tests.support.clock import shifted_today

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.ari import AvailRange, AvailRequest, RateRange, RateRequest
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError
from channel_manager.domain.money import Money

T = TypeVar("T")


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


async def fetch(harness: GatewayHarness) -> dict[str, ChannelReservation]:
    """Pending messages by reservation id."""
    messages = await collect(harness.gateway.fetch_reservations())
    return {message.reservation.external_id: message for message in messages}


def next_month() -> date:
    today = shifted_today()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


# -- properties and catalog -------------------------------------------------------------------
async def test_lists_every_hotel_the_connection_may_manage_once(harness: GatewayHarness) -> None:
    properties = await collect(harness.gateway.list_properties())

    assert sorted(p.hotel_code for p in properties) == harness.hotel_codes()
    assert all(p.name for p in properties)
    assert all(p.currency == harness.currency(p.hotel_code) for p in properties)


async def test_catalog_lists_room_types_and_rate_plans(harness: GatewayHarness) -> None:
    hotel = harness.hotel_codes()[0]

    catalog = await harness.gateway.get_catalog(hotel)

    room, rate = harness.sold_pair(hotel)
    assert catalog.property.hotel_code == hotel
    assert room in {r.code for r in catalog.room_types}
    assert rate in {p.code for p in catalog.rate_plans}
    assert all(r.name for r in catalog.room_types)


async def test_catalog_of_a_hotel_outside_the_connection_is_refused(
    harness: GatewayHarness,
) -> None:
    with pytest.raises(PermanentChannelError):
        await harness.gateway.get_catalog("9999999")


# -- reservations -----------------------------------------------------------------------------
async def test_a_new_booking_repeats_until_acknowledged(harness: GatewayHarness) -> None:
    reservation_id = await harness.book(harness.hotel_codes()[0])

    first = await fetch(harness)
    again = await fetch(harness)
    await harness.gateway.acknowledge([first[reservation_id]])
    after = await fetch(harness)

    assert first[reservation_id].kind is ReservationMessageKind.NEW
    assert reservation_id in again
    assert reservation_id not in after


async def test_changes_after_the_acknowledgement_arrive_as_modify_then_cancel(
    harness: GatewayHarness,
) -> None:
    reservation_id = await harness.book(harness.hotel_codes()[0])
    await harness.gateway.acknowledge([(await fetch(harness))[reservation_id]])

    await harness.change(reservation_id, ReservationMessageKind.MODIFY)
    modified = (await fetch(harness))[reservation_id]
    await harness.gateway.acknowledge([modified])
    await harness.change(reservation_id, ReservationMessageKind.CANCEL)
    cancelled = (await fetch(harness))[reservation_id]

    assert modified.kind is ReservationMessageKind.MODIFY
    assert cancelled.kind is ReservationMessageKind.CANCEL
    assert cancelled.reservation.is_cancelled


async def test_a_change_before_the_acknowledgement_arrives_as_a_new_message(
    harness: GatewayHarness,
) -> None:
    reservation_id = await harness.book(harness.hotel_codes()[0])
    await harness.change(reservation_id, ReservationMessageKind.MODIFY)

    messages = await collect(harness.gateway.fetch_reservations())

    mine = [m for m in messages if m.reservation.external_id == reservation_id]
    assert [m.kind for m in mine] == [ReservationMessageKind.NEW]


async def test_acknowledging_a_superseded_message_is_refused(harness: GatewayHarness) -> None:
    reservation_id = await harness.book(harness.hotel_codes()[0])
    served = (await fetch(harness))[reservation_id]
    await harness.change(reservation_id, ReservationMessageKind.MODIFY)

    with pytest.raises(PermanentChannelError):
        await harness.gateway.acknowledge([served])


async def test_one_superseded_message_does_not_hold_back_the_others(
    harness: GatewayHarness,
) -> None:
    hotel = harness.hotel_codes()[0]
    kept, changed = await harness.book(hotel), await harness.book(hotel)
    served = await fetch(harness)
    await harness.change(changed, ReservationMessageKind.MODIFY)

    with pytest.raises(PermanentChannelError):
        await harness.gateway.acknowledge([served[kept], served[changed]])

    pending = await fetch(harness)
    assert kept not in pending  # acknowledged one by one after the batch was refused
    assert changed in pending  # its newer message is still to be stored and acknowledged


async def test_acknowledging_twice_is_harmless(harness: GatewayHarness) -> None:
    reservation_id = await harness.book(harness.hotel_codes()[0])
    served = (await fetch(harness))[reservation_id]

    await harness.gateway.acknowledge([served])
    await harness.gateway.acknowledge([served])

    assert reservation_id not in await fetch(harness)


async def test_fetched_reservations_carry_the_booking(harness: GatewayHarness) -> None:
    hotel = harness.hotel_codes()[0]
    reservation_id = await harness.book(hotel)

    reservation = (await fetch(harness))[reservation_id].reservation

    assert reservation.external_property_id == hotel
    assert reservation.currency == harness.currency(hotel)
    assert reservation.room_stays
    assert reservation.departure > reservation.arrival


# -- ARI --------------------------------------------------------------------------------------
async def test_availability_push_sets_the_channel_state(harness: GatewayHarness) -> None:
    hotel = harness.hotel_codes()[0]
    room, rate = harness.sold_pair(hotel)
    start = next_month()
    item = AvailRange(
        room_type_code=room,
        rate_plan_code=rate,
        start=start,
        end=start + timedelta(days=2),
        booking_limit=4,
    )

    outcome = await harness.gateway.push_availability(
        AvailRequest(hotel_code=hotel, month=start, items=(item,))
    )

    assert outcome.success
    assert not outcome.errors
    assert [harness.availability(hotel, room, start + timedelta(days=n)) for n in range(3)] == [
        4,
        4,
        4,
    ]


async def test_rate_push_sets_the_channel_rate(harness: GatewayHarness) -> None:
    hotel = harness.hotel_codes()[0]
    room, rate = harness.sold_pair(hotel)
    start = next_month()
    amount = Money.of("123.45", harness.currency(hotel))
    item = RateRange(
        room_type_code=room,
        rate_plan_code=rate,
        start=start,
        end=start + timedelta(days=1),
        amount=amount,
    )

    outcome = await harness.gateway.push_rates(
        RateRequest(hotel_code=hotel, month=start, items=(item,))
    )

    assert outcome.success
    assert harness.rate(hotel, room, rate, start) == Decimal("123.45")
    assert harness.rate(hotel, room, rate, start + timedelta(days=1)) == Decimal("123.45")


async def test_partial_success_reports_the_failed_item_with_code_402(
    harness: GatewayHarness,
) -> None:
    hotel = harness.hotel_codes()[0]
    room, rate = harness.sold_pair(hotel)
    start = next_month()
    good = AvailRange(
        room_type_code=room, rate_plan_code=rate, start=start, end=start, booking_limit=2
    )
    bad = AvailRange(
        room_type_code="00000", rate_plan_code=rate, start=start, end=start, booking_limit=2
    )

    outcome = await harness.gateway.push_availability(
        AvailRequest(hotel_code=hotel, month=start, items=(good, bad))
    )

    assert outcome.success
    assert [error.code for error in outcome.errors] == ["402"]
    assert harness.availability(hotel, room, start) == 2


async def test_a_push_whose_every_item_fails_is_permanent(harness: GatewayHarness) -> None:
    hotel = harness.hotel_codes()[0]
    room, _ = harness.sold_pair(hotel)
    start = next_month()
    unknown_rate = RateRange(
        room_type_code=room,
        rate_plan_code="NO-SUCH-RATE",
        start=start,
        end=start,
        amount=Money.of("99", harness.currency(hotel)),
    )

    with pytest.raises(PermanentChannelError) as raised:
        await harness.gateway.push_rates(
            RateRequest(hotel_code=hotel, month=start, items=(unknown_rate,))
        )

    assert raised.value.code == "402"


# -- faults -----------------------------------------------------------------------------------
def _small_push(harness: GatewayHarness) -> AvailRequest:
    hotel = harness.hotel_codes()[0]
    room, rate = harness.sold_pair(hotel)
    start = next_month()
    item = AvailRange(
        room_type_code=room, rate_plan_code=rate, start=start, end=start, booking_limit=1
    )
    return AvailRequest(hotel_code=hotel, month=start, items=(item,))


@pytest.mark.parametrize(
    "fault",
    [Fault.TIMEOUT, Fault.SERVER_ERROR, Fault.THROTTLED, Fault.MALFORMED, Fault.RESET],
)
async def test_every_transient_fault_on_a_push_is_retryable(
    harness: GatewayHarness, fault: Fault
) -> None:
    harness.inject(fault, GatewayOperation.PUSH_AVAILABILITY)

    with pytest.raises(RetryableChannelError) as raised:
        await harness.gateway.push_availability(_small_push(harness))

    if fault is Fault.THROTTLED:
        assert raised.value.retry_after == timedelta(seconds=THROTTLE_SECONDS)
    # a push is never retried inside the gateway: the next one goes through
    assert (await harness.gateway.push_availability(_small_push(harness))).success


async def test_latency_below_the_timeout_is_only_slower(harness: GatewayHarness) -> None:
    harness.inject(Fault.LATENCY, GatewayOperation.PUSH_AVAILABILITY)

    outcome = await harness.gateway.push_availability(_small_push(harness))

    assert outcome.success


@pytest.mark.parametrize(
    "fault",
    [Fault.TIMEOUT, Fault.SERVER_ERROR, Fault.THROTTLED, Fault.MALFORMED, Fault.RESET],
)
async def test_every_transient_fault_on_a_fetch_is_retryable(
    harness: GatewayHarness, fault: Fault
) -> None:
    reservation_id = await harness.book(harness.hotel_codes()[0])
    harness.inject(fault, GatewayOperation.FETCH_RESERVATIONS)

    with pytest.raises(RetryableChannelError):
        await collect(harness.gateway.fetch_reservations())

    assert reservation_id in await fetch(harness)


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.TIMEOUT, Fault.MALFORMED])
async def test_transient_faults_on_listing_are_retryable(
    harness: GatewayHarness, fault: Fault
) -> None:
    harness.inject(fault, GatewayOperation.LIST_PROPERTIES)

    with pytest.raises(RetryableChannelError):
        await collect(harness.gateway.list_properties())
