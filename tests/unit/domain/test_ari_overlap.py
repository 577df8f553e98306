"""Which later ARI request overrides an earlier one (what a replay must not undo)."""

from __future__ import annotations

from datetime import date

import pytest

from channel_manager.domain.ari_overlap import overrides
from channel_manager.domain.ari_requests import AvailRange, AvailRequest, RateRange, RateRequest
from channel_manager.domain.money import Money

JAN = date(2027, 1, 1)


def avail(
    start: int, end: int, room: str = "R1", hotel: str = "H1", **values: object
) -> AvailRequest:
    item = AvailRange(
        room_type_code=room,
        rate_plan_code="P1",
        start=date(2027, 1, start),
        end=date(2027, 1, end),
        **values,  # type: ignore[arg-type]
    )
    return AvailRequest(hotel_code=hotel, month=JAN, items=(item,))


def rate(start: int, end: int, plan: str = "P1") -> RateRequest:
    item = RateRange(
        room_type_code="R1",
        rate_plan_code=plan,
        start=date(2027, 1, start),
        end=date(2027, 1, end),
        amount=Money.of("100.00", "EUR"),
    )
    return RateRequest(hotel_code="H1", month=JAN, items=(item,))


@pytest.mark.parametrize(
    ("newer", "older", "expected"),
    [
        (avail(5, 10, booking_limit=2), avail(10, 12, booking_limit=3), True),  # one day shared
        (avail(5, 9, booking_limit=2), avail(10, 12, booking_limit=3), False),  # adjacent only
        (avail(5, 10, booking_limit=2), avail(5, 10, room="R2", booking_limit=3), False),
        (avail(5, 10, booking_limit=2), avail(5, 10, hotel="H2", booking_limit=3), False),
        (avail(5, 10, min_los=2), avail(5, 10, booking_limit=3), False),  # different fields
        (avail(5, 10, min_los=2, stop_sell=True), avail(7, 7, stop_sell=False), True),
        (rate(1, 31), rate(15, 15), True),
        (rate(1, 31, plan="P2"), rate(15, 15), False),
        (rate(1, 31), avail(15, 15, booking_limit=1), False),  # another message kind
    ],
)
def test_a_newer_request_overrides_only_the_values_it_sets_again(
    newer: AvailRequest | RateRequest, older: AvailRequest | RateRequest, expected: bool
) -> None:
    assert overrides(newer, older) is expected


def test_different_months_never_meet() -> None:
    february = AvailRequest(
        hotel_code="H1",
        month=date(2027, 2, 1),
        items=(
            AvailRange(
                room_type_code="R1",
                rate_plan_code="P1",
                start=date(2027, 2, 1),
                end=date(2027, 2, 1),
                booking_limit=1,
            ),
        ),
    )
    assert not overrides(february, avail(1, 31, booking_limit=1))
