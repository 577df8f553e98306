"""Availability and rates out: OTA_HotelAvailNotifRQ (``Version="1.005"``) and
OTA_HotelRateAmountNotifRQ (``Version="3.000"``), encoded.

The decoders, which only tests need (to read what we send and to check the standard OpenTravel
samples), are in ``tests/support/ota_peer.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs

from channel_manager.adapters.booking.ota.namespaces import format_bool, format_timestamp
from channel_manager.adapters.booking.ota.xmlread import (
    split_amount,
)
from channel_manager.adapters.booking.ota.xmlwrite import Attribute, ota_document, tag

AVAIL_NOTIF_VERSION = "1.005"
RATE_AMOUNT_NOTIF_VERSION = "3.000"


@attrs.frozen(kw_only=True)
class StatusApplicationControl:
    """Where a message applies: dates ``start``..``end`` inclusive, room and rate plan."""

    start: date
    end: date
    inv_type_code: str | None = None
    rate_plan_code: str | None = None


@attrs.frozen(kw_only=True)
class LengthOfStay:
    """``LengthOfStay``: ``SetMinLOS``/``SetMaxLOS`` with ``time`` nights (other OTA forms,
    such as ``FullPatternLOS``, are read as given)."""

    min_max_message_type: str
    time: int | None = None
    time_unit: str | None = None
    open_status_indicator: bool | None = None
    full_pattern_los: str | None = None


@attrs.frozen(kw_only=True)
class RestrictionStatus:
    """``RestrictionStatus``: ``status`` Open/Close; ``restriction`` None (the whole room/rate,
    "stop sell"), ``Arrival`` or ``Departure`` (closed to arrival/departure)."""

    status: str
    restriction: str | None = None


@attrs.frozen(kw_only=True)
class AvailStatusMessage:
    """One ``AvailStatusMessage``; OTA allows one ``RestrictionStatus`` per message."""

    control: StatusApplicationControl
    booking_limit: int | None = None
    booking_limit_message_type: str | None = None
    locator_id: int | None = None
    lengths_of_stay: tuple[LengthOfStay, ...] = ()
    restriction_status: RestrictionStatus | None = None


@attrs.frozen(kw_only=True)
class AvailNotifRQ:
    """OTA_HotelAvailNotifRQ for one hotel."""

    hotel_code: str
    messages: tuple[AvailStatusMessage, ...]
    echo_token: str | None = None
    timestamp: datetime | None = None
    version: str = AVAIL_NOTIF_VERSION


@attrs.frozen(kw_only=True)
class BaseByGuestAmt:
    """One price: ``amount`` (after tax unless ``after_tax`` is false), optionally for a
    number of guests. ``decimal_places`` fixes the integer form (default: the amount's own)."""

    amount: Decimal
    decimal_places: int | None = None
    after_tax: bool = True
    number_of_guests: int | None = None


@attrs.frozen(kw_only=True)
class RateAmountMessage:
    """One ``RateAmountMessage``: prices for a room/rate over a date range."""

    control: StatusApplicationControl
    amounts: tuple[BaseByGuestAmt, ...]
    currency_code: str | None = None
    locator_id: int | None = None


@attrs.frozen(kw_only=True)
class RateAmountNotifRQ:
    """OTA_HotelRateAmountNotifRQ for one hotel."""

    hotel_code: str
    messages: tuple[RateAmountMessage, ...]
    echo_token: str | None = None
    timestamp: datetime | None = None
    version: str = RATE_AMOUNT_NOTIF_VERSION


def _control(control: StatusApplicationControl) -> str:
    return tag(
        "StatusApplicationControl",
        (
            ("Start", control.start.isoformat()),
            ("End", control.end.isoformat()),
            ("RatePlanCode", control.rate_plan_code),
            ("InvTypeCode", control.inv_type_code),
        ),
    )


def _root_attributes(
    echo_token: str | None, timestamp: datetime | None, version: str
) -> tuple[Attribute, ...]:
    return (
        ("EchoToken", echo_token),
        ("TimeStamp", format_timestamp(timestamp) if timestamp else None),
        ("Version", version),
    )


def _optional(value: int | None) -> str | None:
    return None if value is None else str(value)


def _length_of_stay(los: LengthOfStay) -> str:
    pattern = (
        ""
        if los.full_pattern_los is None
        else tag("LOS_Pattern", (("FullPatternLOS", los.full_pattern_los),))
    )
    return tag(
        "LengthOfStay",
        (
            ("Time", _optional(los.time)),
            ("TimeUnit", los.time_unit),
            (
                "OpenStatusIndicator",
                None
                if los.open_status_indicator is None
                else format_bool(los.open_status_indicator),
            ),
            ("MinMaxMessageType", los.min_max_message_type),
        ),
        pattern,
    )


def _avail_status_message(message: AvailStatusMessage) -> str:
    stays = "".join(_length_of_stay(los) for los in message.lengths_of_stay)
    restriction = message.restriction_status
    content = _control(message.control)
    if stays:
        content += tag("LengthsOfStay", (), stays)
    if restriction is not None:
        content += tag(
            "RestrictionStatus",
            (("Restriction", restriction.restriction), ("Status", restriction.status)),
        )
    return tag(
        "AvailStatusMessage",
        (
            ("BookingLimit", _optional(message.booking_limit)),
            ("BookingLimitMessageType", message.booking_limit_message_type),
            ("LocatorID", _optional(message.locator_id)),
        ),
        content,
    )


def encode_avail_notif_rq(request: AvailNotifRQ, *, soap: bool = False) -> bytes:
    """Encode OTA_HotelAvailNotifRQ (written as text: see :mod:`.xmlwrite`)."""
    messages = "".join(_avail_status_message(message) for message in request.messages)
    return ota_document(
        "OTA_HotelAvailNotifRQ",
        _root_attributes(request.echo_token, request.timestamp, request.version),
        tag("AvailStatusMessages", (("HotelCode", request.hotel_code),), messages),
        soap=soap,
    )


def _base_by_guest_amt(amount: BaseByGuestAmt) -> str:
    integer, places = split_amount(amount.amount, amount.decimal_places)
    return tag(
        "BaseByGuestAmt",
        (
            ("AmountAfterTax" if amount.after_tax else "AmountBeforeTax", integer),
            ("DecimalPlaces", places),
            ("NumberOfGuests", _optional(amount.number_of_guests)),
        ),
    )


def _rate_amount_message(message: RateAmountMessage) -> str:
    amounts = "".join(_base_by_guest_amt(amount) for amount in message.amounts)
    rate = tag(
        "Rate",
        (("CurrencyCode", message.currency_code),),
        tag("BaseByGuestAmts", (), amounts),
    )
    return tag(
        "RateAmountMessage",
        (("LocatorID", _optional(message.locator_id)),),
        _control(message.control) + tag("Rates", (), rate),
    )


def encode_rate_amount_notif_rq(request: RateAmountNotifRQ, *, soap: bool = False) -> bytes:
    """Encode OTA_HotelRateAmountNotifRQ with integer amounts and ``DecimalPlaces`` (written as
    text: see :mod:`.xmlwrite`)."""
    messages = "".join(_rate_amount_message(message) for message in request.messages)
    return ota_document(
        "OTA_HotelRateAmountNotifRQ",
        _root_attributes(request.echo_token, request.timestamp, request.version),
        tag("RateAmountMessages", (("HotelCode", request.hotel_code),), messages),
        soap=soap,
    )
