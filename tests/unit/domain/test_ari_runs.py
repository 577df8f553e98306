"""Compression emits exactly one range per maximal run, counted here the simple way; the
fast paths of day values (emptiness, merging) agree with their definitions.

The counter below walks every key's days and starts a new run wherever a value, a gap or a
month boundary ends the previous one; it shares no code with ``compress``, so the two
agreeing on every generated change set means neither splits nor merges a range wrongly.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import given

from channel_manager.domain import (
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    AvailRequest,
    DayValues,
    Money,
    booking_limit,
    compress,
)
from tests.unit.domain.strategies import change_sets, day_values

KEY = AriKey("H1", "R1")


def _avail(values: DayValues) -> tuple[object, ...] | None:
    """What an availability message says for the day (limits as OTA writes them)."""
    fields = (
        None if values.availability is None else booking_limit(values.availability),
        values.min_los,
        values.max_los,
        values.closed_to_arrival,
        values.closed_to_departure,
        values.stop_sell,
    )
    return None if all(field is None for field in fields) else fields


def _count(days: list[tuple[date, object]]) -> int:
    runs = 0
    for index, (day, value) in enumerate(days):
        if index == 0:
            runs += 1
            continue
        before, previous = days[index - 1]
        same_month = (before.year, before.month) == (day.year, day.month)
        runs += not (value == previous and day == before + timedelta(days=1) and same_month)
    return runs


def maximal_runs(change_set: AriChangeSet) -> tuple[int, int]:
    """(availability runs, rate runs) over every key."""
    avail = rates = 0
    for by_day in change_set.days.values():
        avail_days = [(day, _avail(values)) for day, values in by_day.items()]
        avail += _count([(day, value) for day, value in avail_days if value is not None])
        rates += _count([(day, v.rate) for day, v in by_day.items() if v.rate is not None])
    return avail, rates


@given(change_sets())
def test_one_range_per_maximal_run(change_set: AriChangeSet) -> None:
    requests = compress(change_set)
    avail = sum(len(r.items) for r in requests if isinstance(r, AvailRequest))
    rates = sum(len(r.items) for r in requests if not isinstance(r, AvailRequest))
    assert (avail, rates) == maximal_runs(change_set)


def test_counts_above_the_ota_limit_share_one_range() -> None:
    """300 and 400 rooms both go out as BookingLimit 254: one range, not two."""
    change_set = (
        AriChangeSetBuilder()
        .set(KEY, date(2027, 3, 1), date(2027, 3, 2), availability=300)
        .set(KEY, date(2027, 3, 3), date(2027, 3, 4), availability=400)
        .build()
    )
    (request,) = compress(change_set)
    assert [(i.start, i.end, i.booking_limit) for i in request.items] == [
        (date(2027, 3, 1), date(2027, 3, 4), 254)
    ]


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
