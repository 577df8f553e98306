"""Coalescing: a newer ARI request merged into an older one that has not been sent yet.

ARI values are absolute sets, so sending ``older`` with ``newer``'s values laid over it
leaves the channel as sending ``older`` then ``newer`` would: per room type, rate plan, night
and field, the newer value wins and a field ``newer`` does not set keeps ``older``'s. The
merge re-forms the ranges (consecutive nights with equal values are one range) and cuts the
result into requests of at most ``max_items`` ranges (a channel's size limit: the outbox merges
only when one request is enough).

Only requests of one hotel, one kind and one calendar month are merged: a request never holds
dates of more than one month, and requests of other months never share a night with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import cast

from channel_manager.domain.ari_requests import (
    AVAIL_FIELDS,
    AriRequest,
    AvailRange,
    AvailRequest,
    RateRange,
    RateRequest,
)
from channel_manager.domain.errors import DomainError
from channel_manager.domain.money import Money

_Values = tuple[object, ...]
#: Room type and rate plan code: where a range's values apply within the hotel.
_Cell = tuple[str, str | None]


class UnmergeableRequests(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """Two requests of different hotels, kinds or months cannot be one request."""


def mergeable(older: AriRequest, newer: AriRequest) -> bool:
    """True when ``newer`` can be merged into ``older``: same kind, hotel and month."""
    return (
        type(older) is type(newer)
        and older.hotel_code == newer.hotel_code
        and older.month == newer.month
    )


def _values(item: AvailRange | RateRange) -> _Values:
    if isinstance(item, RateRange):
        return (item.amount,)
    return tuple(getattr(item, name) for name in AVAIL_FIELDS)


def _overlay(older: _Values, newer: _Values) -> _Values:
    """``older`` with every field ``newer`` sets replaced."""
    return tuple(o if n is None else n for o, n in zip(older, newer, strict=True))


def _by_night(requests: tuple[AriRequest, ...]) -> dict[_Cell, dict[date, _Values]]:
    """Per cell and night, the values the requests set, a later request winning per field."""
    cells: dict[_Cell, dict[date, _Values]] = {}
    for request in requests:
        items: tuple[AvailRange | RateRange, ...] = request.items
        for item in items:
            nights = cells.setdefault((item.room_type_code, item.rate_plan_code), {})
            values = _values(item)
            for ordinal in range(item.start.toordinal(), item.end.toordinal() + 1):
                night = date.fromordinal(ordinal)
                known = nights.get(night)
                nights[night] = values if known is None else _overlay(known, values)
    return cells


def _runs(nights: dict[date, _Values]) -> Iterator[tuple[date, date, _Values]]:
    """Consecutive nights with equal values as inclusive runs, in date order."""
    start: date | None = None
    end = last = date.min
    current: _Values = ()
    for night in sorted(nights):
        values = nights[night]
        if start is not None and night.toordinal() == last.toordinal() + 1 and values == current:
            end = last = night
            continue
        if start is not None:
            yield start, end, current
        start, end, last, current = night, night, night, values
    if start is not None:
        yield start, end, current


def _item(
    cell: _Cell, start: date, end: date, values: _Values, rates: bool
) -> AvailRange | RateRange:
    room, rate_plan = cell
    if rates:
        return RateRange(
            room_type_code=room,
            rate_plan_code=rate_plan,
            start=start,
            end=end,
            amount=cast(Money, values[0]),
        )
    limit, min_los, max_los, stop_sell, arrival, departure = values
    return AvailRange(
        room_type_code=room,
        rate_plan_code=rate_plan,
        start=start,
        end=end,
        booking_limit=cast(int | None, limit),
        min_los=cast(int | None, min_los),
        max_los=cast(int | None, max_los),
        stop_sell=cast(bool | None, stop_sell),
        closed_to_arrival=cast(bool | None, arrival),
        closed_to_departure=cast(bool | None, departure),
    )


def merge_requests(
    older: AriRequest, newer: AriRequest, max_items: int | None = None
) -> tuple[AriRequest, ...]:
    """``older`` with ``newer`` laid over it, as one request, or several when the ranges
    outnumber ``max_items`` (``None``: no limit); :class:`UnmergeableRequests` unless both
    are of one kind, hotel and month.

    Items are sorted by room type, rate plan (none first) and start, as a publish policy
    sorts them.
    """
    if not mergeable(older, newer):
        raise UnmergeableRequests(
            f"cannot merge a {type(newer).__name__} for {newer.hotel_code} {newer.month} "
            f"into a {type(older).__name__} for {older.hotel_code} {older.month}"
        )
    if max_items is not None and max_items < 1:
        raise ValueError(f"max_items must be at least 1, got {max_items}")
    rates = isinstance(older, RateRequest)
    cells = _by_night((older, newer))
    items = [
        _item(cell, start, end, values, rates)
        for cell in sorted(cells, key=lambda c: (c[0], c[1] or ""))
        for start, end, values in _runs(cells[cell])
    ]
    size = max_items or len(items)
    parts = [tuple(items[index : index + size]) for index in range(0, len(items), size)]
    if rates:
        return tuple(
            RateRequest(
                hotel_code=older.hotel_code,
                month=older.month,
                items=cast(tuple[RateRange, ...], part),
            )
            for part in parts
        )
    return tuple(
        AvailRequest(
            hotel_code=older.hotel_code,
            month=older.month,
            items=cast(tuple[AvailRange, ...], part),
        )
        for part in parts
    )
