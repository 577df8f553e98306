"""The optional ``AriReadback`` contract: a gateway that can read ARI back answers what its
channel holds, keyed as it was pushed. Only the in-memory channel offers it today; the
Booking.com gateway does not (no confirmed ARI readback, BOOKING_CONNECTIVITY.md), which the
last test pins so that a gateway gaining ``read_ari`` is added to this suite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.ari import (
    AriKey,
    AvailRange,
    AvailRequest,
    DayValues,
    RateRange,
    RateRequest,
)
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError
from channel_manager.domain.money import Money
from channel_manager.ports.readback import AriReadback
from tests.support.clock import shifted_today

from .gateway_harness import FakeHarness, Fault
from .sandbox_harness import SandboxHarness


@pytest.fixture(params=["fake"])
def harness(request: pytest.FixtureRequest) -> FakeHarness:
    """Every gateway offering a readback, with the channel behind it."""
    assert request.param == "fake"
    return FakeHarness()


def _readback(harness: FakeHarness) -> AriReadback:
    gateway = harness.gateway
    assert isinstance(gateway, AriReadback)
    return gateway


async def test_the_readback_answers_what_was_pushed_keyed_as_pushed(harness: FakeHarness) -> None:
    hotel = harness.hotel_codes()[0]
    room, rate = harness.sold_pair(hotel)
    start = (shifted_today().replace(day=1) + timedelta(days=32)).replace(day=1)
    second = start + timedelta(days=1)
    price = Money.of("99.50", harness.currency(hotel))
    await harness.gateway.push_availability(
        AvailRequest(
            hotel_code=hotel,
            month=start,
            items=(
                AvailRange(room_type_code=room, start=start, end=second, booking_limit=3),
                AvailRange(
                    room_type_code=room, rate_plan_code=rate, start=start, end=start, min_los=2
                ),
            ),
        )
    )
    await harness.gateway.push_rates(
        RateRequest(
            hotel_code=hotel,
            month=start,
            items=(
                RateRange(
                    room_type_code=room, rate_plan_code=rate, start=start, end=second, amount=price
                ),
            ),
        )
    )

    held = await _readback(harness).read_ari(hotel, start, start)

    assert held.days == {
        AriKey(hotel, room): {start: DayValues(availability=3)},
        AriKey(hotel, room, rate): {start: DayValues(rate=price, min_los=2)},
    }
    both = await _readback(harness).read_ari(hotel, start, second)
    assert both.days[AriKey(hotel, room, rate)][second] == DayValues(rate=price)
    other = harness.hotel_codes()[1]
    assert (await _readback(harness).read_ari(other, start, second)).is_empty


async def test_a_hotel_outside_the_connection_is_refused(harness: FakeHarness) -> None:
    today = shifted_today()
    with pytest.raises(PermanentChannelError):
        await _readback(harness).read_ari("1000009", today, today)


async def test_a_transient_fault_on_a_readback_is_retryable(harness: FakeHarness) -> None:
    today = shifted_today()
    harness.inject(Fault.SERVER_ERROR, GatewayOperation.READ_ARI)
    with pytest.raises(RetryableChannelError):
        await _readback(harness).read_ari(harness.hotel_codes()[0], today, today)


async def test_the_booking_gateway_offers_no_readback(booking: SandboxHarness) -> None:
    assert not isinstance(booking.gateway, AriReadback)
