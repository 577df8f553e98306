"""The ReservationFeed contract: every channel with a reservation feed (the in-memory fake and
the Booking.com gateway talking to the sandbox over HTTP) offers bookings like this, whether
it wants acknowledgements or not; a feed that does want them repeats each message until it
is acknowledged."""

from __future__ import annotations

import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.errors import RetryableChannelError

from .contract_support import collect, fetch, take
from .gateway_harness import Fault, FeedHarness


async def test_a_new_booking_is_offered_with_its_stay(feed_harness: FeedHarness) -> None:
    hotel = feed_harness.hotel_codes()[0]
    reservation_id = await feed_harness.book(hotel)

    message = (await fetch(feed_harness))[reservation_id]

    reservation = message.reservation
    assert message.kind is ReservationMessageKind.NEW
    assert not reservation.is_cancelled
    assert reservation.external_property_id == hotel
    assert reservation.currency == feed_harness.currency(hotel)
    assert reservation.room_stays
    assert reservation.departure > reservation.arrival


async def test_a_cancellation_is_offered_as_cancelled(feed_harness: FeedHarness) -> None:
    reservation_id = await feed_harness.book(feed_harness.hotel_codes()[0])
    booked = await take(feed_harness, reservation_id)

    await feed_harness.change(reservation_id, ReservationMessageKind.CANCEL)
    cancelled = (await fetch(feed_harness))[reservation_id]

    assert cancelled.reservation.is_cancelled
    assert cancelled.reservation.revision > booked.reservation.revision


@pytest.mark.parametrize(
    "fault",
    [Fault.TIMEOUT, Fault.SERVER_ERROR, Fault.THROTTLED, Fault.MALFORMED, Fault.RESET],
)
async def test_every_transient_fault_on_a_fetch_is_retryable_and_loses_nothing(
    feed_harness: FeedHarness, fault: Fault
) -> None:
    reservation_id = await feed_harness.book(feed_harness.hotel_codes()[0])
    feed_harness.inject(fault, GatewayOperation.FETCH_RESERVATIONS)

    with pytest.raises(RetryableChannelError):
        await collect(feed_harness.feed.fetch_reservations())

    assert reservation_id in await fetch(feed_harness)


# -- feeds that want acknowledgements ---------------------------------------------------------
async def test_a_message_repeats_until_acknowledged(acknowledging_harness: FeedHarness) -> None:
    harness = acknowledging_harness
    reservation_id = await harness.book(harness.hotel_codes()[0])

    first = await fetch(harness)
    again = await fetch(harness)
    await harness.feed.acknowledge([first[reservation_id]])
    after = await fetch(harness)

    assert reservation_id in again
    assert reservation_id not in after


async def test_acknowledging_twice_is_harmless(acknowledging_harness: FeedHarness) -> None:
    harness = acknowledging_harness
    reservation_id = await harness.book(harness.hotel_codes()[0])
    served = (await fetch(harness))[reservation_id]

    await harness.feed.acknowledge([served])
    await harness.feed.acknowledge([served])

    assert reservation_id not in await fetch(harness)
