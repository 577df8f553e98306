"""ARI change sets, the calendar's deltas, and the compression policy."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain import (
    AriCalendar,
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    AvailRange,
    AvailRequest,
    DayValues,
    InvalidDateRange,
    Money,
    RateRange,
    RateRequest,
    booking_limit,
    compress,
    expand,
)
from tests.unit.domain.strategies import change_sets

KEY = AriKey("H1", "R1", "RP1")
EUR100 = Money.of("100", "EUR")


def test_booking_limit_clamps_and_maps_unlimited() -> None:
    assert booking_limit(None) == 255
    assert booking_limit(-3) == 0
    assert booking_limit(0) == 0
    assert booking_limit(254) == 254
    assert booking_limit(1000) == 254


@given(st.one_of(st.none(), st.integers()))
def test_booking_limit_is_always_within_ota_range(count: int | None) -> None:
    assert 0 <= booking_limit(count) <= 255


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


def test_a_range_across_a_month_boundary_is_split_per_month() -> None:
    change_set = (
        AriChangeSetBuilder()
        .set(KEY, date(2025, 1, 20), date(2025, 2, 10), availability=3, stop_sell=False)
        .build()
    )
    assert compress(change_set) == (
        AvailRequest(
            hotel_code="H1",
            month=date(2025, 1, 1),
            items=(
                AvailRange(
                    room_type_code="R1",
                    rate_plan_code="RP1",
                    start=date(2025, 1, 20),
                    end=date(2025, 1, 31),
                    booking_limit=3,
                    stop_sell=False,
                ),
            ),
        ),
        AvailRequest(
            hotel_code="H1",
            month=date(2025, 2, 1),
            items=(
                AvailRange(
                    room_type_code="R1",
                    rate_plan_code="RP1",
                    start=date(2025, 2, 1),
                    end=date(2025, 2, 10),
                    booking_limit=3,
                    stop_sell=False,
                ),
            ),
        ),
    )


def test_rates_and_availability_go_to_separate_requests_and_hotels_never_mix() -> None:
    other = AriKey("H2", "R9", None)
    change_set = (
        AriChangeSetBuilder()
        .set(KEY, date(2025, 5, 1), date(2025, 5, 31), availability=1, rate=EUR100)
        .set(other, date(2025, 5, 1), date(2025, 5, 2), availability=5)
        .build()
    )
    requests = compress(change_set)
    assert [(type(r).__name__, r.hotel_code) for r in requests] == [
        ("AvailRequest", "H1"),
        ("RateRequest", "H1"),
        ("AvailRequest", "H2"),
    ]
    rate_request = requests[1]
    assert isinstance(rate_request, RateRequest)
    assert rate_request.items == (
        RateRange(
            room_type_code="R1",
            rate_plan_code="RP1",
            start=date(2025, 5, 1),
            end=date(2025, 5, 31),
            amount=EUR100,
        ),
    )


def test_availability_above_the_ota_limit_is_sent_as_254() -> None:
    change_set = AriChangeSetBuilder().set(
        KEY, date(2025, 5, 1), date(2025, 5, 1), availability=900
    )
    (request,) = compress(change_set.build())
    assert isinstance(request, AvailRequest)
    assert request.items[0].booking_limit == 254


def test_an_empty_change_set_needs_no_request() -> None:
    assert compress(AriChangeSet()) == ()


@given(change_sets())
def test_expand_inverts_compress(change_set: AriChangeSet) -> None:
    assert expand(compress(change_set)) == change_set


@given(change_sets())
def test_no_request_mixes_hotels_or_months(change_set: AriChangeSet) -> None:
    for request in compress(change_set):
        assert request.items
        for item in request.items:
            assert item.start.replace(day=1) == request.month
            assert item.end.replace(day=1) == request.month
        keys = {
            AriKey(request.hotel_code, i.room_type_code, i.rate_plan_code) for i in request.items
        }
        assert keys <= set(change_set.days)


@given(change_sets())
def test_one_request_per_hotel_month_and_message_type(change_set: AriChangeSet) -> None:
    needed: set[tuple[type, str, date]] = set()
    for key, day, values in change_set.items():
        if not values.availability_part().is_empty:
            needed.add((AvailRequest, key.hotel_code, day.replace(day=1)))
        if values.rate is not None:
            needed.add((RateRequest, key.hotel_code, day.replace(day=1)))
    requests = compress(change_set)
    assert len(requests) == len(needed)
    assert {(type(r), r.hotel_code, r.month) for r in requests} == needed


def _payload(item: AvailRange | RateRange) -> tuple[object, ...]:
    """Everything but the dates: two ranges with equal payloads could be one range."""
    return attrs.astuple(attrs.evolve(item, start=date.min, end=date.min), recurse=False)


@given(change_sets())
def test_no_two_adjacent_ranges_could_be_merged(change_set: AriChangeSet) -> None:
    for request in compress(change_set):
        by_key: dict[tuple[str, str | None], list[AvailRange | RateRange]] = {}
        for item in request.items:
            assert 0 <= (getattr(item, "booking_limit", None) or 0) <= 255
            by_key.setdefault((item.room_type_code, item.rate_plan_code), []).append(item)
        for items in by_key.values():
            ordered = sorted(items, key=lambda i: i.start)
            for before, after in itertools.pairwise(ordered):
                assert before.end < after.start, "ranges of one key overlap"
                mergeable = before.end + timedelta(days=1) == after.start and _payload(
                    before
                ) == _payload(after)
                assert not mergeable, f"{before} and {after} should have been one range"


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
