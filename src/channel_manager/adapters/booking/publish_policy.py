"""Booking.com's publish policy: an ARI change set -> the fewest OTA requests, and back.

Rules (BOOKING_CONNECTIVITY.md section 4): equal values on consecutive dates become one
inclusive range; one hotel per request; a request never holds dates of more than one calendar
month (a range crossing a month boundary is split); availability and restrictions travel in
OTA_HotelAvailNotif, rates in OTA_HotelRateAmountNotif; many room/rate combinations share one
request. Fewer requests mean fewer round trips and fewer chances of partial failure.
Availability goes out as an OTA ``BookingLimit`` (0..254 rooms, 255 unlimited) and a rate as
an integer amount with ``DecimalPlaces`` (the currency's minor units), so a rate that cannot
be written exactly that way is refused here, before anything is queued.

These are Booking.com's limits and message shape, so they live in its adapter; the core asks
the connection's channel plug-in for its :class:`~channel_manager.ports.channel.PublishPolicy`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TypeVar

from channel_manager.adapters.booking.ari_push import encode_avail_request, encode_rate_request
from channel_manager.domain.ari_calendar import (
    AriChangeSet,
    AriKey,
    DayValues,
    dates_between,
)
from channel_manager.domain.ari_requests import (
    AriRequest,
    AvailRange,
    AvailRequest,
    RateRange,
    RateRequest,
)
from channel_manager.domain.errors import InvalidMoney

#: OTA BookingLimit: 0..254 rooms; 255 means "unlimited" (BOOKING_CONNECTIVITY.md section 4).
MAX_BOOKING_LIMIT = 254
UNLIMITED_BOOKING_LIMIT = 255


def booking_limit(count: int | None) -> int:
    """OTA BookingLimit for a sellable count: clamped to 0..254; ``None`` (unlimited) -> 255."""
    if count is None:
        return UNLIMITED_BOOKING_LIMIT
    return max(0, min(MAX_BOOKING_LIMIT, count))


class BookingPublishPolicy:
    """``PublishPolicy`` of Booking.com: :func:`compress` with its money check, and
    :func:`booking_limit` for what a count is sent as."""

    #: Booking.com states no number of ranges per request ("many room/rate combinations may
    #: share one request"), only one hotel and one month, which a merge keeps.
    max_items: int | None = None

    def shape(self, change_set: AriChangeSet) -> tuple[AriRequest, ...]:
        """The fewest OTA requests that carry ``change_set``; :class:`InvalidMoney` for a
        rate no OTA message can carry (an integer amount with ``DecimalPlaces``)."""
        requests = compress(change_set)
        for request in requests:
            if isinstance(request, RateRequest):
                for item in request.items:
                    check_ota_amount(item)
        return requests

    def sent_availability(self, count: int) -> int:
        """The BookingLimit a sellable ``count`` goes out as (above 254: 254)."""
        return booking_limit(count)

    def render(self, request: AriRequest) -> tuple[str, str]:
        """The OTA message name and XML body ``request`` is sent as."""
        if isinstance(request, AvailRequest):
            return "OTA_HotelAvailNotifRQ", encode_avail_request(request).body.decode("utf-8")
        return "OTA_HotelRateAmountNotifRQ", encode_rate_request(request).body.decode("utf-8")


def check_ota_amount(item: RateRange) -> None:
    """Refuse a rate that is not an exact integer at the currency's minor units (the
    ``DecimalPlaces`` the encoder writes) with :class:`InvalidMoney`."""
    try:
        item.amount.to_ota()
    except InvalidMoney as error:
        raise InvalidMoney(
            f"rate for room {item.room_type_code} from {item.start} cannot be sent to "
            f"Booking.com: {error}"
        ) from None


def _month_of(day: date) -> date:
    return day.replace(day=1)


#: What one availability message carries for one day, as a plain tuple (fast to build and
#: compare): booking limit, min stay, max stay, stop sell, closed to arrival and to departure.
_AvailPayload = tuple[int | None, int | None, int | None, bool | None, bool | None, bool | None]
_NOTHING: _AvailPayload = (None, None, None, None, None, None)
P = TypeVar("P")


def _runs(by_day: Iterable[tuple[date, P]]) -> Iterator[tuple[date, date, P]]:
    """Merge consecutive dates of the same month with equal payloads into inclusive runs.

    This is the hot loop of a year-ahead load (tens of thousands of day values), so payloads
    are plain tuples or amounts, not :class:`DayValues`, and a step is a few comparisons: the
    next ordinal, not the 1st of a month, an equal payload.
    """
    days = iter(by_day)
    first = next(days, None)
    if first is None:
        return
    start, payload = first
    end, last = start, start.toordinal()
    for day, values in days:
        ordinal = day.toordinal()
        if ordinal == last + 1 and day.day != 1 and values == payload:
            end, last = day, ordinal
            continue
        yield start, end, payload
        start, end, last, payload = day, day, ordinal, values
    yield start, end, payload


def _avail_payload(values: DayValues) -> _AvailPayload | None:
    """The availability message's fields for one day; ``None`` when it sets none of them.

    The booking limit is already the OTA value, so counts above 254 that all go out as 254
    share one range.
    """
    payload = (
        None if values.availability is None else booking_limit(values.availability),
        values.min_los,
        values.max_los,
        values.stop_sell,
        values.closed_to_arrival,
        values.closed_to_departure,
    )
    return None if payload == _NOTHING else payload


def _avail_ranges(key: AriKey, by_day: Mapping[date, DayValues]) -> Iterator[AvailRange]:
    days = ((day, _avail_payload(values)) for day, values in by_day.items())
    for start, end, payload in _runs((day, p) for day, p in days if p is not None):
        limit, min_los, max_los, stop_sell, arrival, departure = payload
        yield AvailRange(
            room_type_code=key.room_type_code,
            rate_plan_code=key.rate_plan_code,
            start=start,
            end=end,
            booking_limit=limit,
            min_los=min_los,
            max_los=max_los,
            stop_sell=stop_sell,
            closed_to_arrival=arrival,
            closed_to_departure=departure,
        )


def _rate_ranges(key: AriKey, by_day: Mapping[date, DayValues]) -> Iterator[RateRange]:
    days = ((day, values.rate) for day, values in by_day.items() if values.rate is not None)
    for start, end, amount in _runs(days):
        yield RateRange(
            room_type_code=key.room_type_code,
            rate_plan_code=key.rate_plan_code,
            start=start,
            end=end,
            amount=amount,
        )


def compress(change_set: AriChangeSet) -> tuple[AriRequest, ...]:
    """The fewest OTA requests that carry ``change_set`` (no money check: see
    :meth:`BookingPublishPolicy.shape`).

    Output is deterministic: per hotel (sorted), per month, the availability request before
    the rate request; items sorted by room type, rate plan and start date. Availability
    above 254 is clamped to 254 (OTA's limit), so :func:`expand` restores it only up to there.
    """
    avail: dict[tuple[str, date], list[AvailRange]] = defaultdict(list)
    rates: dict[tuple[str, date], list[RateRange]] = defaultdict(list)
    for key, by_day in change_set.days.items():
        for avail_range in _avail_ranges(key, by_day):
            avail[(key.hotel_code, _month_of(avail_range.start))].append(avail_range)
        for rate_range in _rate_ranges(key, by_day):
            rates[(key.hotel_code, _month_of(rate_range.start))].append(rate_range)
    requests: list[AriRequest] = []
    for hotel, month in sorted(avail.keys() | rates.keys()):
        if (hotel, month) in avail:
            items = sorted(avail[(hotel, month)], key=_range_order)
            requests.append(AvailRequest(hotel_code=hotel, month=month, items=tuple(items)))
        if (hotel, month) in rates:
            rate_items = sorted(rates[(hotel, month)], key=_range_order)
            requests.append(RateRequest(hotel_code=hotel, month=month, items=tuple(rate_items)))
    return tuple(requests)


def _range_order(item: AvailRange | RateRange) -> tuple[str, str, date]:
    return (item.room_type_code, item.rate_plan_code or "", item.start)


def expand(requests: Iterable[AriRequest]) -> AriChangeSet:
    """The change set a sequence of requests carries (inverse of :func:`compress`).

    A booking limit of 255 ("unlimited") has no sellable count and expands to ``None``.
    """
    days: dict[AriKey, dict[date, DayValues]] = defaultdict(dict)
    for request in requests:
        for item in request.items:
            key = AriKey(request.hotel_code, item.room_type_code, item.rate_plan_code)
            values = _day_values(item)
            by_day = days[key]
            for day in dates_between(item.start, item.end):
                by_day[day] = by_day.get(day, DayValues()).merged(values)
    return AriChangeSet(days)


def _day_values(item: AvailRange | RateRange) -> DayValues:
    if isinstance(item, RateRange):
        return DayValues(rate=item.amount)
    limit = item.booking_limit
    return DayValues(
        availability=None if limit is None or limit == UNLIMITED_BOOKING_LIMIT else limit,
        min_los=item.min_los,
        max_los=item.max_los,
        stop_sell=item.stop_sell,
        closed_to_arrival=item.closed_to_arrival,
        closed_to_departure=item.closed_to_departure,
    )
