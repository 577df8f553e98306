"""Booking.com's own reservation and ARI rules, beyond the generic capability contracts: its
two queues (new, then modify/cancel after the acknowledgement), superseded messages that may
no longer be acknowledged, and OTA error code 402 for an unknown room or rate plan.

Run against the Booking.com gateway over the sandbox, and against the in-memory fake that the
other tests register as ``booking`` in its place (so it must keep these rules too). Token
handling, acknowledgement retries and the polling cadence are in ``test_booking_gateway_rules``.
"""

from __future__ import annotations

import pytest

from channel_manager.domain.ari import AvailRange, AvailRequest, RateRange, RateRequest
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.money import Money

from .contract_support import collect, fetch, next_month
from .gateway_harness import GatewayHarness


async def test_changes_after_the_acknowledgement_arrive_as_modify_then_cancel(
    booking_like: GatewayHarness,
) -> None:
    harness = booking_like
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
    booking_like: GatewayHarness,
) -> None:
    harness = booking_like
    reservation_id = await harness.book(harness.hotel_codes()[0])
    await harness.change(reservation_id, ReservationMessageKind.MODIFY)

    messages = await collect(harness.gateway.fetch_reservations())

    mine = [m for m in messages if m.reservation.external_id == reservation_id]
    assert [m.kind for m in mine] == [ReservationMessageKind.NEW]


async def test_acknowledging_a_superseded_message_is_refused(booking_like: GatewayHarness) -> None:
    harness = booking_like
    reservation_id = await harness.book(harness.hotel_codes()[0])
    served = (await fetch(harness))[reservation_id]
    await harness.change(reservation_id, ReservationMessageKind.MODIFY)

    with pytest.raises(PermanentChannelError):
        await harness.gateway.acknowledge([served])


async def test_one_superseded_message_does_not_hold_back_the_others(
    booking_like: GatewayHarness,
) -> None:
    harness = booking_like
    hotel = harness.hotel_codes()[0]
    kept, changed = await harness.book(hotel), await harness.book(hotel)
    served = await fetch(harness)
    await harness.change(changed, ReservationMessageKind.MODIFY)

    with pytest.raises(PermanentChannelError):
        await harness.gateway.acknowledge([served[kept], served[changed]])

    pending = await fetch(harness)
    assert kept not in pending  # acknowledged one by one after the batch was refused
    assert changed in pending  # its newer message is still to be stored and acknowledged


async def test_an_unknown_room_is_a_per_item_error_402(booking_like: GatewayHarness) -> None:
    harness = booking_like
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


async def test_a_push_whose_every_item_fails_is_permanent_with_code_402(
    booking_like: GatewayHarness,
) -> None:
    harness = booking_like
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
