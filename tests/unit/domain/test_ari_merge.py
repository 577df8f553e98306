"""Coalescing ARI requests: a merged queue leaves the channel as every change sent in order
would, its ranges are maximal, and no part is larger than the channel's limit."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channel_manager.domain.ari_merge import (
    UnmergeableRequests,
    merge_requests,
    mergeable,
)
from channel_manager.domain.ari_requests import (
    AriRequest,
    AvailRange,
    AvailRequest,
    RateRange,
    RateRequest,
)
from channel_manager.domain.money import Money

HOTEL = "H1"
MONTHS = (date(2027, 1, 1), date(2027, 2, 1))
AVAIL_FIELDS = (
    "booking_limit",
    "min_los",
    "max_los",
    "stop_sell",
    "closed_to_arrival",
    "closed_to_departure",
)

#: (hotel, room, rate plan, night, field) -> value: what the channel holds.
Channel = dict[tuple[str, str, str | None, date, str], object]


def send(channel: Channel, request: AriRequest) -> None:
    """What the channel does with a request: absolute sets, item after item."""
    for item in request.items:
        if isinstance(item, RateRange):
            fields = {"amount": item.amount}
        else:
            fields = {name: getattr(item, name) for name in AVAIL_FIELDS}
        for ordinal in range(item.start.toordinal(), item.end.toordinal() + 1):
            night = date.fromordinal(ordinal)
            for name, value in fields.items():
                if value is not None:
                    channel[
                        (request.hotel_code, item.room_type_code, item.rate_plan_code, night, name)
                    ] = value


@st.composite
def nights(draw: st.DrawFn, month: date) -> tuple[date, date]:
    first = draw(st.integers(min_value=0, max_value=27))
    length = draw(st.integers(min_value=0, max_value=4))
    start = month + timedelta(days=first)
    return start, start + timedelta(days=min(length, 27 - first))


@st.composite
def avail_ranges(draw: st.DrawFn, month: date) -> AvailRange:
    start, end = draw(nights(month))
    maybe = st.none() | st.integers(min_value=0, max_value=3)
    flag = st.none() | st.booleans()
    item = AvailRange(
        room_type_code=draw(st.sampled_from(("R1", "R2"))),
        rate_plan_code=draw(st.sampled_from((None, "P1"))),
        start=start,
        end=end,
        booking_limit=draw(maybe),
        min_los=draw(maybe),
        max_los=draw(st.none() | st.just(7)),
        stop_sell=draw(flag),
        closed_to_arrival=draw(flag),
        closed_to_departure=draw(st.none()),
    )
    if all(getattr(item, name) is None for name in AVAIL_FIELDS):
        item = attrs.evolve(item, booking_limit=0)
    return item


@st.composite
def rate_ranges(draw: st.DrawFn, month: date) -> RateRange:
    start, end = draw(nights(month))
    return RateRange(
        room_type_code=draw(st.sampled_from(("R1", "R2"))),
        rate_plan_code=draw(st.sampled_from(("P1", "P2"))),
        start=start,
        end=end,
        amount=Money(Decimal(draw(st.integers(min_value=80, max_value=82))), "EUR"),
    )


@st.composite
def requests(draw: st.DrawFn) -> AriRequest:
    month = draw(st.sampled_from(MONTHS))
    if draw(st.booleans()):
        items = draw(st.lists(avail_ranges(month), min_size=1, max_size=4))
        return AvailRequest(hotel_code=HOTEL, month=month, items=tuple(items))
    rates = draw(st.lists(rate_ranges(month), min_size=1, max_size=4))
    return RateRequest(hotel_code=HOTEL, month=month, items=tuple(rates))


@attrs.define
class Message:
    payload: AriRequest
    in_flight: bool = False
    merged: bool = False  # made by a merge (a request as shaped is within limits already)


def coalesce(queue: list[Message], request: AriRequest, max_items: int | None) -> None:
    """The outbox's rule: merge into the newest open message of the request's kind, hotel
    and month when it is pending (never in flight) and the merge fits one request; else
    queue it at the end."""
    newest = next((m for m in reversed(queue) if mergeable(m.payload, request)), None)
    if newest is None or newest.in_flight:
        queue.append(Message(request))
        return
    merged = merge_requests(newest.payload, request, max_items)
    if len(merged) > 1:
        queue.append(Message(request))
        return
    newest.payload, newest.merged = merged[0], True


# An operation: a change queued, the head claimed (in flight), or the head delivered.
operations = st.lists(
    st.one_of(
        requests().map(lambda request: ("change", request)),
        st.just(("claim", None)),
        st.just(("deliver", None)),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(operations, st.sampled_from((None, 1, 2, 3)))
def test_the_coalesced_queue_leaves_the_channel_as_every_change_in_order(ops, max_items) -> None:
    expected: Channel = {}
    channel: Channel = {}
    queue: list[Message] = []
    for operation, request in ops:
        if operation == "change":
            send(expected, request)
            coalesce(queue, request, max_items)
        elif operation == "claim" and queue:
            queue[0].in_flight = True
        elif operation == "deliver" and queue:
            send(channel, queue.pop(0).payload)
    for message in queue:
        if message.merged:
            assert max_items is None or len(message.payload.items) <= max_items
        send(channel, message.payload)
    assert channel == expected


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_merge_is_both_requests_in_order_with_maximal_ranges(data) -> None:
    older = data.draw(requests())
    newer = data.draw(requests().filter(lambda r: mergeable(older, r)))
    max_items = data.draw(st.sampled_from((None, 1, 2)))
    merged = merge_requests(older, newer, max_items)
    expected: Channel = {}
    send(expected, older)
    send(expected, newer)
    channel: Channel = {}
    for part in merged:
        assert (type(part), part.hotel_code, part.month) == (type(older), HOTEL, older.month)
        assert max_items is None or len(part.items) <= max_items
        send(channel, part)
    assert channel == expected
    items = [item for part in merged for item in part.items]
    assert items == sorted(items, key=lambda i: (i.room_type_code, i.rate_plan_code or "", i.start))
    for first, second in itertools.pairwise(items):
        if (first.room_type_code, first.rate_plan_code) == (
            second.room_type_code,
            second.rate_plan_code,
        ):
            assert first.end < second.start  # no night twice
            touching = second.start == first.end + timedelta(days=1)
            assert not touching or attrs.evolve(first, start=second.start, end=second.end) != second


def test_equal_neighbouring_nights_become_one_range() -> None:
    month = MONTHS[0]
    older = AvailRequest(
        hotel_code=HOTEL,
        month=month,
        items=(
            AvailRange(
                room_type_code="R1", start=date(2027, 1, 3), end=date(2027, 1, 5), booking_limit=2
            ),
        ),
    )
    newer = AvailRequest(
        hotel_code=HOTEL,
        month=month,
        items=(
            AvailRange(
                room_type_code="R1", start=date(2027, 1, 4), end=date(2027, 1, 4), booking_limit=1
            ),
            AvailRange(
                room_type_code="R1", start=date(2027, 1, 6), end=date(2027, 1, 6), booking_limit=2
            ),
        ),
    )
    [merged] = merge_requests(older, newer)
    assert isinstance(merged, AvailRequest)
    assert [(i.start.day, i.end.day, i.booking_limit) for i in merged.items] == [
        (3, 3, 2),
        (4, 4, 1),
        (5, 6, 2),
    ]


def test_a_field_the_newer_request_leaves_unset_keeps_the_older_value() -> None:
    month = MONTHS[0]
    day = date(2027, 1, 10)
    older = AvailRequest(
        hotel_code=HOTEL,
        month=month,
        items=(AvailRange(room_type_code="R1", start=day, end=day, booking_limit=4, min_los=2),),
    )
    newer = AvailRequest(
        hotel_code=HOTEL,
        month=month,
        items=(AvailRange(room_type_code="R1", start=day, end=day, booking_limit=3),),
    )
    [merged] = merge_requests(older, newer)
    assert merged.items == (
        AvailRange(room_type_code="R1", start=day, end=day, booking_limit=3, min_los=2),
    )


def test_requests_of_other_months_kinds_or_hotels_are_refused() -> None:
    day = date(2027, 1, 10)
    avail = AvailRequest(
        hotel_code=HOTEL,
        month=MONTHS[0],
        items=(AvailRange(room_type_code="R1", start=day, end=day, booking_limit=1),),
    )
    rate = RateRequest(
        hotel_code=HOTEL,
        month=MONTHS[0],
        items=(
            RateRange(
                room_type_code="R1",
                rate_plan_code="P1",
                start=day,
                end=day,
                amount=Money(Decimal(80), "EUR"),
            ),
        ),
    )
    february = attrs.evolve(
        avail,
        month=MONTHS[1],
        items=(
            AvailRange(
                room_type_code="R1", start=date(2027, 2, 1), end=date(2027, 2, 1), booking_limit=1
            ),
        ),
    )
    for other in (rate, february, attrs.evolve(avail, hotel_code="H2")):
        with pytest.raises(UnmergeableRequests):
            merge_requests(avail, other)
