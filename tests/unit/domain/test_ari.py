"""ARI change sets and the calendar's deltas (Booking.com's publish policy: tests/unit/booking)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from channel_manager.domain import (
    AriCalendar,
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    DayValues,
    InvalidDateRange,
    Money,
)
from tests.unit.domain.strategies import change_sets

KEY = AriKey("H1", "R1", "RP1")
EUR100 = Money.of("100", "EUR")


def test_builder_sets_ranges_and_later_values_win_per_field() -> None:
    change_set = (
        AriChangeSetBuilder()
        .set(KEY, date(2025, 3, 1), date(2025, 3, 3), availability=2, rate=EUR100)
        .set(KEY, date(2025, 3, 2), date(2025, 3, 2), availability=0)
        .build()
    )
    days = change_set.days[KEY]
    assert list(days) == [date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 3)]
    assert days[date(2025, 3, 2)] == DayValues(availability=0, rate=EUR100)
    assert len(change_set) == 3


def test_builder_rejects_a_reversed_range() -> None:
    with pytest.raises(InvalidDateRange):
        AriChangeSetBuilder().set(KEY, date(2025, 3, 2), date(2025, 3, 1), availability=1)


def test_change_sets_drop_empty_values() -> None:
    assert AriChangeSet({KEY: {date(2025, 3, 1): DayValues()}}).is_empty


def test_calendar_delta_sends_only_what_changed() -> None:
    sent = (
        AriChangeSetBuilder()
        .set(KEY, date(2025, 6, 1), date(2025, 6, 3), availability=2, rate=EUR100)
        .build()
    )
    calendar = AriCalendar().apply(sent)
    wanted = (
        AriChangeSetBuilder()
        .set(KEY, date(2025, 6, 1), date(2025, 6, 4), availability=2, rate=EUR100)
        .set(KEY, date(2025, 6, 2), date(2025, 6, 2), availability=1)
        .build()
    )
    delta = calendar.delta(wanted)
    assert delta.days == {
        KEY: {
            date(2025, 6, 2): DayValues(availability=1),
            date(2025, 6, 4): DayValues(availability=2, rate=EUR100),
        }
    }


@given(change_sets())
def test_after_applying_a_change_set_its_delta_is_empty(change_set: AriChangeSet) -> None:
    calendar = AriCalendar().apply(change_set)
    assert calendar.delta(change_set).is_empty
    assert AriCalendar().delta(change_set) == change_set


@given(change_sets(), change_sets())
def test_applying_the_delta_equals_applying_the_whole_change(
    first: AriChangeSet, second: AriChangeSet
) -> None:
    calendar = AriCalendar().apply(first)
    assert calendar.apply(calendar.delta(second)) == calendar.apply(second)
