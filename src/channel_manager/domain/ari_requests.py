"""The ARI message payload: what one outbound message carries, as plain data.

A channel's publish policy (:class:`~channel_manager.ports.channel.PublishPolicy`) shapes a
change set into these requests; the outbox stores them as they are and a gateway encodes them.
Each request is for one hotel and dates within one calendar ``month``; its items are inclusive
date ranges of equal values. Availability and restrictions travel in an :class:`AvailRequest`,
rates in a :class:`RateRequest`.
"""

from __future__ import annotations

from datetime import date

import attrs

from channel_manager.domain.errors import InvalidDateRange, InvalidValue
from channel_manager.domain.money import Money


def _check_range(instance: AvailRange | RateRange, _attribute: object, end: date) -> None:
    if end < instance.start:
        raise InvalidDateRange(f"range end {end} is before its start {instance.start}")


def _check_booking_limit(_instance: object, _attribute: object, value: int | None) -> None:
    # The stored payload's bound (it is written as an OTA BookingLimit); what a count is
    # sent as is the channel's publish policy's to say.
    if value is not None and not 0 <= value <= 255:
        raise InvalidValue(f"booking_limit must be within 0..255, got {value}")


def _check_month(_instance: object, _attribute: object, value: date) -> None:
    if value.day != 1:
        raise InvalidValue(f"month must be the first day of a month, got {value}")


@attrs.frozen(kw_only=True)
class AvailRange:
    """One AvailStatusMessage: availability and restrictions over ``start..end`` inclusive.

    ``None`` fields are not sent. ``booking_limit`` is the value sent for the availability,
    as the channel's publish policy made it (Booking.com: 0..254, 255 unlimited).
    """

    room_type_code: str
    rate_plan_code: str | None = None
    start: date
    end: date = attrs.field(validator=_check_range)
    booking_limit: int | None = attrs.field(default=None, validator=_check_booking_limit)
    min_los: int | None = None
    max_los: int | None = None
    stop_sell: bool | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None


#: The value fields of an :class:`AvailRange` (each ``None`` when not sent), in one order.
AVAIL_FIELDS = (
    "booking_limit",
    "min_los",
    "max_los",
    "stop_sell",
    "closed_to_arrival",
    "closed_to_departure",
)


@attrs.frozen(kw_only=True)
class RateRange:
    """One RateAmountMessage: ``amount`` for every night of ``start..end`` inclusive."""

    room_type_code: str
    rate_plan_code: str | None = None
    start: date
    end: date = attrs.field(validator=_check_range)
    amount: Money


@attrs.frozen(kw_only=True)
class AvailRequest:
    """One availability message: one hotel, dates within one calendar ``month`` (day 1)."""

    hotel_code: str
    month: date = attrs.field(validator=_check_month)
    items: tuple[AvailRange, ...]


@attrs.frozen(kw_only=True)
class RateRequest:
    """One rate message: one hotel, dates within one calendar ``month`` (day 1)."""

    hotel_code: str
    month: date = attrs.field(validator=_check_month)
    items: tuple[RateRange, ...]


#: What an outbound message carries.
AriRequest = AvailRequest | RateRequest
