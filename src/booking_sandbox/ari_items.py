"""Validation of single ARI items (one AvailStatusMessage / RateAmountMessage each).

Each function returns the changes to make (closures over validated values) and notes for
ignored parts, or raises ItemError; nothing is applied unless the whole item is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

from booking_sandbox.model import CURRENCY_DECIMALS, Hotel, RoomType
from booking_sandbox.ota_responses import TYPE_BIZ_RULE, TYPE_REQUIRED_FIELD
from booking_sandbox.xml import child, children, path

if TYPE_CHECKING:
    from booking_sandbox.state import SandboxState

Change = Callable[[], None]
UNLIMITED = 255
_INTEGER = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^\d+(\.\d{1,3})?$")


class ItemError(Exception):
    """One item is refused (OTA error Type and Code)."""

    def __init__(self, code: str, text: str, type_: str = TYPE_BIZ_RULE) -> None:
        super().__init__(text)
        self.type = type_
        self.code = code
        self.text = text


def _control(
    hotel: Hotel, item: etree._Element, *, rate_required: bool
) -> tuple[list[dt.date], RoomType, list[str]]:
    control = child(item, "StatusApplicationControl")
    if control is None:
        raise ItemError("321", "StatusApplicationControl is required", TYPE_REQUIRED_FIELD)
    for name in ("Start", "End", "InvTypeCode") + (("RatePlanCode",) if rate_required else ()):
        if not control.get(name):
            raise ItemError(
                "321", f"StatusApplicationControl/@{name} is required", TYPE_REQUIRED_FIELD
            )
    try:
        start = dt.date.fromisoformat(control.get("Start", ""))
        end = dt.date.fromisoformat(control.get("End", ""))
    except ValueError as exc:
        raise ItemError("320", "Start and End must be dates (YYYY-MM-DD)") from exc
    if end < start:
        raise ItemError("320", f"End {end} is before Start {start}")
    room_id = control.get("InvTypeCode", "")
    room = hotel.room(room_id)
    if room is None:
        raise ItemError("402", f"InvTypeCode '{room_id}' is not a room of hotel {hotel.code}")
    rate_id = control.get("RatePlanCode")
    if rate_id and rate_id not in room.rate_plan_ids:
        raise ItemError("402", f"RatePlanCode '{rate_id}' not active for InvTypeCode '{room_id}'")
    rates = [rate_id] if rate_id else list(room.rate_plan_ids)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return days, room, rates


def avail_changes(
    state: SandboxState, hotel: Hotel, item: etree._Element
) -> tuple[list[Change], list[str]]:
    """BookingLimit, LengthsOfStay and RestrictionStatus of one AvailStatusMessage."""
    days, room, rates = _control(hotel, item, rate_required=False)
    changes: list[Change] = []
    notes: list[str] = []
    limit = item.get("BookingLimit")
    if limit is not None:
        if not _INTEGER.match(limit) or int(limit) > UNLIMITED:
            raise ItemError("320", f"BookingLimit '{limit}' must be 0-254 (255: unlimited)")

        def set_limit(count: int = int(limit)) -> None:
            for day in days:
                state.availability[room.id, day] = count

        changes.append(set_limit)
    for los in path(item, "LengthsOfStay", "LengthOfStay"):
        changes.append(_los_change(state, room, rates, days, los))
    for restriction in children(item, "RestrictionStatus"):
        change = _restriction_change(state, room, rates, days, restriction, notes)
        if change is not None:
            changes.append(change)
    if not changes and not notes:
        raise ItemError("321", "nothing to update in AvailStatusMessage", TYPE_REQUIRED_FIELD)
    return changes, notes


def _los_change(
    state: SandboxState, room: RoomType, rates: list[str], days: list[dt.date], los: etree._Element
) -> Change:
    kind, time = los.get("MinMaxMessageType"), los.get("Time", "")
    if kind not in {"SetMinLOS", "SetMaxLOS"}:
        raise ItemError("320", f"MinMaxMessageType '{kind}' must be SetMinLOS or SetMaxLOS")
    if not _INTEGER.match(time) or int(time) > 31:
        raise ItemError("320", f"LengthOfStay/@Time '{time}' must be 0-31 (0 clears)")
    value = int(time) or None

    def apply() -> None:
        for rate_id in rates:
            for day in days:
                cell = state.cell(room.id, rate_id, day)
                if kind == "SetMinLOS":
                    cell.min_los = value
                else:
                    cell.max_los = value

    return apply


def _restriction_change(
    state: SandboxState,
    room: RoomType,
    rates: list[str],
    days: list[dt.date],
    restriction: etree._Element,
    notes: list[str],
) -> Change | None:
    status, which = restriction.get("Status"), restriction.get("Restriction", "Master")
    if status not in {"Open", "Close"}:
        raise ItemError("320", f"RestrictionStatus/@Status '{status}' must be Open or Close")
    if which not in {"Master", "Arrival", "Departure"}:
        raise ItemError("320", f"RestrictionStatus/@Restriction '{which}' is not supported")
    if which != "Master" and not state.config.arrival_departure_restrictions:
        notes.append(f"Restriction '{which}' ignored: not enabled for this provider")
        return None
    closed = status == "Close"
    attribute = {
        "Master": "closed",
        "Arrival": "closed_to_arrival",
        "Departure": "closed_to_departure",
    }[which]

    def apply() -> None:
        for rate_id in rates:
            for day in days:
                setattr(state.cell(room.id, rate_id, day), attribute, closed)

    return apply


def rate_changes(
    state: SandboxState, hotel: Hotel, item: etree._Element
) -> tuple[list[Change], list[str]]:
    """Prices from Rates/Rate/BaseByGuestAmts of one RateAmountMessage."""
    days, room, rates = _control(hotel, item, rate_required=True)
    amounts = path(item, "Rates", "Rate", "BaseByGuestAmts", "BaseByGuestAmt")
    if not amounts:
        raise ItemError(
            "321", "Rates/Rate/BaseByGuestAmts/BaseByGuestAmt is required", TYPE_REQUIRED_FIELD
        )
    for rate in path(item, "Rates", "Rate"):
        _check_currency(hotel, rate.get("CurrencyCode"))
    priced: list[tuple[int, Decimal]] = []
    for amount in amounts:
        _check_currency(hotel, amount.get("CurrencyCode"))
        guests = amount.get("NumberOfGuests")
        if guests is not None and (
            not _INTEGER.match(guests) or not 1 <= int(guests) <= room.max_persons
        ):
            raise ItemError("320", f"NumberOfGuests '{guests}' must be 1-{room.max_persons}")
        priced.append((int(guests) if guests else room.max_persons, _price(hotel, amount)))
    price = max(priced)[1]

    def apply() -> None:
        for day in days:
            state.cell(room.id, rates[0], day).price = price

    return [apply], []


def _check_currency(hotel: Hotel, currency: str | None) -> None:
    if currency is not None and currency != hotel.currency:
        raise ItemError(
            "320", f"CurrencyCode '{currency}' is not the hotel's currency {hotel.currency}"
        )


def _price(hotel: Hotel, amount: etree._Element) -> Decimal:
    raw = amount.get("AmountAfterTax") or amount.get("AmountBeforeTax")
    if raw is None:
        raise ItemError("321", "AmountAfterTax or AmountBeforeTax is required", TYPE_REQUIRED_FIELD)
    places = amount.get("DecimalPlaces")
    if places is not None:
        if not _INTEGER.match(places) or int(places) > 3:
            raise ItemError("320", f"DecimalPlaces '{places}' must be 0-3")
        if not _INTEGER.match(raw):
            raise ItemError("320", f"amount '{raw}' must be an integer when DecimalPlaces is given")
        value = Decimal(raw).scaleb(-int(places))
    elif _DECIMAL.match(raw):
        value = Decimal(raw)
    else:
        raise ItemError("320", f"amount '{raw}' is not a valid number")
    minor = CURRENCY_DECIMALS[hotel.currency]
    if value != value.quantize(Decimal(1).scaleb(-minor)):
        raise ItemError("320", f"amount {value} has more decimals than {hotel.currency} allows")
    if value <= 0:
        raise ItemError("320", "amount must be greater than zero")
    return value.quantize(Decimal(1).scaleb(-minor))
