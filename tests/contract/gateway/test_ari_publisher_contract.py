"""The AriPublisher contract: every channel we publish our calendar to (the in-memory fake and
the Booking.com gateway talking to the sandbox over HTTP) takes availability and rates like
this. How a channel names a refused item is its own (Booking.com's codes: its own suite)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.ari import AvailRange, AvailRequest, RateRange, RateRequest
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError
from channel_manager.domain.money import Money

from .contract_support import next_month
from .gateway_harness import THROTTLE_SECONDS, Fault, PublisherHarness


async def test_availability_push_sets_the_channel_state(
    publisher_harness: PublisherHarness,
) -> None:
    hotel = publisher_harness.hotel_codes()[0]
    room, rate = publisher_harness.sold_pair(hotel)
    start = next_month()
    item = AvailRange(
        room_type_code=room,
        rate_plan_code=rate,
        start=start,
        end=start + timedelta(days=2),
        booking_limit=4,
    )

    outcome = await publisher_harness.publisher.push_availability(
        AvailRequest(hotel_code=hotel, month=start, items=(item,))
    )

    assert outcome.success
    assert not outcome.errors
    days = [start + timedelta(days=n) for n in range(3)]
    assert [publisher_harness.availability(hotel, room, day) for day in days] == [4, 4, 4]


async def test_rate_push_sets_the_channel_rate(publisher_harness: PublisherHarness) -> None:
    hotel = publisher_harness.hotel_codes()[0]
    room, rate = publisher_harness.sold_pair(hotel)
    start = next_month()
    amount = Money.of("123.45", publisher_harness.currency(hotel))
    item = RateRange(
        room_type_code=room,
        rate_plan_code=rate,
        start=start,
        end=start + timedelta(days=1),
        amount=amount,
    )

    outcome = await publisher_harness.publisher.push_rates(
        RateRequest(hotel_code=hotel, month=start, items=(item,))
    )

    assert outcome.success
    assert publisher_harness.rate(hotel, room, rate, start) == Decimal("123.45")
    assert publisher_harness.rate(hotel, room, rate, start + timedelta(days=1)) == Decimal("123.45")


async def test_partial_success_reports_the_failed_item_and_keeps_the_others(
    publisher_harness: PublisherHarness,
) -> None:
    hotel = publisher_harness.hotel_codes()[0]
    room, rate = publisher_harness.sold_pair(hotel)
    start = next_month()
    good = AvailRange(
        room_type_code=room, rate_plan_code=rate, start=start, end=start, booking_limit=2
    )
    bad = AvailRange(
        room_type_code="00000", rate_plan_code=rate, start=start, end=start, booking_limit=2
    )

    outcome = await publisher_harness.publisher.push_availability(
        AvailRequest(hotel_code=hotel, month=start, items=(good, bad))
    )

    assert outcome.success
    assert len(outcome.errors) == 1
    assert publisher_harness.availability(hotel, room, start) == 2


async def test_a_push_whose_every_item_fails_is_permanent(
    publisher_harness: PublisherHarness,
) -> None:
    hotel = publisher_harness.hotel_codes()[0]
    room, _ = publisher_harness.sold_pair(hotel)
    start = next_month()
    unknown_rate = RateRange(
        room_type_code=room,
        rate_plan_code="NO-SUCH-RATE",
        start=start,
        end=start,
        amount=Money.of("99", publisher_harness.currency(hotel)),
    )

    with pytest.raises(PermanentChannelError):
        await publisher_harness.publisher.push_rates(
            RateRequest(hotel_code=hotel, month=start, items=(unknown_rate,))
        )


def _small_push(harness: PublisherHarness) -> AvailRequest:
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
    publisher_harness: PublisherHarness, fault: Fault
) -> None:
    publisher_harness.inject(fault, GatewayOperation.PUSH_AVAILABILITY)

    with pytest.raises(RetryableChannelError) as raised:
        await publisher_harness.publisher.push_availability(_small_push(publisher_harness))

    if fault is Fault.THROTTLED:
        assert raised.value.retry_after == timedelta(seconds=THROTTLE_SECONDS)
    # a push is never retried inside the publisher: the next one goes through
    next_push = await publisher_harness.publisher.push_availability(_small_push(publisher_harness))
    assert next_push.success


async def test_latency_below_the_timeout_is_only_slower(
    publisher_harness: PublisherHarness,
) -> None:
    publisher_harness.inject(Fault.LATENCY, GatewayOperation.PUSH_AVAILABILITY)

    outcome = await publisher_harness.publisher.push_availability(_small_push(publisher_harness))

    assert outcome.success
