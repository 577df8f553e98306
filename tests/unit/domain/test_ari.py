"""ARI change sets (Booking.com's publish policy: tests/unit/booking)."""

from __future__ import annotations

from datetime import date

import pytest

from channel_manager.domain.ari_calendar import AriChangeSet, AriChangeSetBuilder, AriKey, DayValues
from channel_manager.domain.errors import InvalidDateRange
from channel_manager.domain.money import Money

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
