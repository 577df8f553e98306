"""Booking.com's publish policy: the fewest OTA requests for a change set (one hotel and one
calendar month per request, equal days merged into ranges), BookingLimit 0..254/255, and only
rates an OTA message can carry (integer amounts with DecimalPlaces).

Compression emits exactly one range per maximal run, counted here the simple way: the counter
below walks every key's days and starts a new run wherever a value, a gap or a month boundary
ends the previous one; it shares no code with ``compress``, so the two agreeing on every
generated change set means neither splits nor merges a range wrongly.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.adapters.booking.publish_policy import (
    MAX_BOOKING_LIMIT,
    BookingPublishPolicy,
    booking_limit,
    compress,
    expand,
)
from channel_manager.domain.ari import (
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    AvailRange,
    AvailRequest,
    DayValues,
    RateRange,
    RateRequest,
)
from channel_manager.domain.errors import InvalidMoney
from channel_manager.domain.money import Money
from tests.unit.domain.strategies import change_sets

KEY = AriKey("H1", "R1", "RP1")
EUR100 = Money.of("100", "EUR")
POLICY = BookingPublishPolicy()


def test_booking_limit_clamps_and_maps_unlimited() -> None:
    assert booking_limit(None) == 255
    assert booking_limit(-3) == 0
    assert booking_limit(0) == 0
    assert booking_limit(254) == 254
    assert booking_limit(1000) == 254


@given(st.one_of(st.none(), st.integers()))
def test_booking_limit_is_always_within_ota_range(count: int | None) -> None:
    assert 0 <= booking_limit(count) <= 255


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
    assert isinstance(request, AvailRequest)
    assert [(i.start, i.end, i.booking_limit) for i in request.items] == [
        (date(2027, 3, 1), date(2027, 3, 4), 254)
    ]


@given(change_sets())
def test_the_policy_shapes_a_change_set_as_compress_does(change_set: AriChangeSet) -> None:
    assert tuple(POLICY.shape(change_set)) == compress(change_set)


def test_the_policy_sends_a_count_as_its_booking_limit() -> None:
    assert MAX_BOOKING_LIMIT == 254
    assert [POLICY.sent_availability(n) for n in (0, 3, 254, 255, 900)] == [0, 3, 254, 254, 254]


@pytest.mark.parametrize(
    ("amount", "currency"), [("100.005", "EUR"), ("0.5", "JPY"), ("1.0001", "KWD")]
)
def test_a_rate_no_ota_message_can_carry_is_refused_before_anything_is_shaped(
    amount: str, currency: str
) -> None:
    change_set = (
        AriChangeSetBuilder()
        .set(KEY, date(2025, 5, 1), date(2025, 5, 2), rate=Money.of(amount, currency))
        .build()
    )
    with pytest.raises(InvalidMoney, match=r"cannot be sent to Booking\.com"):
        POLICY.shape(change_set)


@pytest.mark.parametrize(("amount", "currency"), [("99.99", "EUR"), ("12000", "JPY")])
def test_a_rate_at_the_currencys_minor_units_is_shaped(amount: str, currency: str) -> None:
    rate = Money.of(amount, currency)
    change_set = AriChangeSetBuilder().set(KEY, date(2025, 5, 1), date(2025, 5, 2), rate=rate)
    (request,) = POLICY.shape(change_set.build())
    assert isinstance(request, RateRequest)
    assert [item.amount for item in request.items] == [rate]
