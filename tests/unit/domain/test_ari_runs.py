"""The fast paths of day values (emptiness, merging) agree with their definitions.

(Booking.com's compression into maximal runs is tested in tests/unit/booking.)
"""

from __future__ import annotations

import attrs
from hypothesis import given

from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.money import Money
from tests.unit.domain.strategies import day_values


def test_a_day_with_any_one_field_set_is_not_empty() -> None:
    """``is_empty`` checks each field by name: a field added later must be added there too."""
    every_field = DayValues(
        availability=1,
        rate=Money.of("90", "EUR"),
        min_los=2,
        max_los=7,
        closed_to_arrival=True,
        closed_to_departure=False,
        stop_sell=False,
    )
    names = [field.name for field in attrs.fields(DayValues)]
    assert all(getattr(every_field, name) is not None for name in names), "extend every_field"
    assert DayValues().is_empty
    for name in names:
        assert not DayValues(**{name: getattr(every_field, name)}).is_empty, name


@given(day_values(), day_values())
def test_merging_keeps_what_the_newer_day_leaves_unset(older: DayValues, newer: DayValues) -> None:
    merged = older.merged(newer)
    for field in attrs.fields(DayValues):
        new = getattr(newer, field.name)
        assert getattr(merged, field.name) == (getattr(older, field.name) if new is None else new)
