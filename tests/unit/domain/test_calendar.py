"""Our calendar's rules: what is left to sell, a night's delivery state, valid changes."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.ari import DayValues
from channel_manager.domain.calendar import (
    CalendarChange,
    CalendarField,
    CalendarNight,
    DeliveryState,
    delivery_state,
    fields_set,
    sellable,
)
from channel_manager.domain.errors import InvalidDateRange, InvalidValue
from channel_manager.domain.money import Money
from channel_manager.domain.sync import OutboundState

DAY = date(2031, 5, 1)


@given(
    rooms_to_sell=st.none() | st.integers(0, 50),
    count=st.integers(0, 50),
    booked=st.integers(0, 60),
)
def test_what_is_left_to_sell_is_never_negative(
    rooms_to_sell: int | None, count: int, booked: int
) -> None:
    left = sellable(rooms_to_sell, count, booked)
    offered = count if rooms_to_sell is None else rooms_to_sell
    assert left == max(0, offered - booked)
    assert left >= 0


def test_rooms_to_sell_override_the_unit_count() -> None:
    assert sellable(None, 5, 2) == 3
    assert sellable(1, 5, 0) == 1  # fewer than the unit has
    assert sellable(8, 5, 6) == 2  # more: an allowance to overbook
    assert sellable(0, 5, 0) == 0


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((), None),
        ((OutboundState.DELIVERED,), DeliveryState.DELIVERED),
        ((OutboundState.DELIVERED, OutboundState.PENDING), DeliveryState.QUEUED),
        ((OutboundState.IN_FLIGHT,), DeliveryState.QUEUED),
        ((OutboundState.PENDING, OutboundState.FAILED), DeliveryState.FAILED),
        ((OutboundState.DELIVERED, OutboundState.FAILED), DeliveryState.FAILED),
    ],
)
def test_a_night_is_as_far_as_its_least_delivered_value(
    states: tuple[OutboundState, ...], expected: DeliveryState | None
) -> None:
    assert delivery_state(states) is expected


def test_a_change_names_its_nights_and_fields() -> None:
    unit, plan = uuid4(), uuid4()
    change = CalendarChange(
        unit_id=unit,
        rate_plan_id=plan,
        start=DAY,
        end=DAY + timedelta(days=2),
        values=DayValues(rate=Money.of("10.00", "EUR"), min_los=2),
    )
    assert list(change.nights()) == [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    assert [n.night for n in change.stored()] == list(change.nights())
    assert fields_set(change.values) == (CalendarField.RATE, CalendarField.MIN_STAY)
    unit_level = CalendarNight(unit, None, DAY, DayValues())
    plan_level = CalendarNight(unit, plan, DAY - timedelta(days=1), DayValues())
    assert sorted([plan_level, unit_level], key=CalendarNight.sort_key) == [unit_level, plan_level]


@pytest.mark.parametrize(
    ("plan", "values", "error", "words"),
    [
        (False, DayValues(), InvalidValue, "at least one"),
        (False, DayValues(rate=Money.of("10", "EUR")), InvalidValue, "rate_plan_id"),
        (True, DayValues(availability=2), InvalidValue, "per unit"),
        (True, DayValues(min_los=0), InvalidValue, "1 to 999"),
        (True, DayValues(max_los=1000), InvalidValue, "1 to 999"),
        (True, DayValues(min_los=4, max_los=3), InvalidValue, "longer than"),
    ],
)
def test_an_invalid_change_is_refused_with_its_reason(
    plan: bool, values: DayValues, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        CalendarChange(
            unit_id=uuid4(),
            rate_plan_id=uuid4() if plan else None,
            start=DAY,
            end=DAY,
            values=values,
        )


def test_a_change_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidDateRange):
        CalendarChange(
            unit_id=uuid4(),
            start=DAY,
            end=DAY - timedelta(days=1),
            values=DayValues(stop_sell=True),
        )
