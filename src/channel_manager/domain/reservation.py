"""Reservations as we keep them: channel ids kept verbatim, our ids where a mapping exists.

Unmapped room stays are kept with ``unit_id=None`` and flagged, never dropped: a booking we
cannot place is still a booking.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from channel_manager.domain.errors import CardDataRejected, InvalidDateRange, InvalidValue
from channel_manager.domain.money import Money

_LAST_FOUR = re.compile(r"\d{4}")
#: A run of 12 or more digits (optionally separated by spaces or dashes) looks like a PAN.
_PAN_LIKE = re.compile(r"(?:\d[ -]?){12,}")
#: Card expiry as MM/YY, MMYY or MM/YYYY. The strict shape also keeps a security code from
#: being stored in its place: a three-digit code never fits, nor does a non-month like "9876".
_EXPIRY = re.compile(r"(0[1-9]|1[0-2])/?(\d{2}|\d{4})")


class ReservationStatus(StrEnum):
    """Where a reservation stands now."""

    CONFIRMED = "confirmed"
    MODIFIED = "modified"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class Address:
    """A postal address; every part optional because channels send what they have."""

    lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country_code: str | None = None


@attrs.frozen(kw_only=True)
class Guest:
    """A person on a reservation (the booker or a stay guest)."""

    given_name: str
    surname: str
    email: str | None = None
    phone: str | None = None
    address: Address | None = None
    country: str | None = None
    language: str | None = None

    @property
    def full_name(self) -> str:
        """Given name and surname joined by a space, without stray blanks."""
        return " ".join(part for part in (self.given_name, self.surname) if part)


#: Above this no hotel price is real; it is a corrupt message (and would not fit the store).
MAX_AMOUNT = Decimal(10) ** 12
#: More guests than this in one room is a corrupt message, not a booking.
MAX_GUESTS_PER_ROOM = 999


def _check_amount(_instance: object, attribute: attrs.Attribute[Any], value: Money | None) -> None:
    """Prices, totals and commissions are never negative and never absurdly large."""
    if value is not None and not 0 <= value.amount < MAX_AMOUNT:
        raise InvalidValue(f"{attribute.name} {value} is out of range (0 to {MAX_AMOUNT})")


def _check_guest_count(_instance: object, _attribute: object, value: int) -> None:
    if not 0 <= value <= MAX_GUESTS_PER_ROOM:
        raise InvalidValue(f"guest count {value} is out of range (0 to {MAX_GUESTS_PER_ROOM})")


class ReservationKind(StrEnum):
    """What a stored reservation stands for: a guest's booking, or dates the channel closed
    (a host block from a calendar feed). Both take rooms; only bookings have guests."""

    BOOKING = "booking"
    BLOCK = "block"


class FlagCode(StrEnum):
    """What can be inconsistent or unknown in a stored reservation (never a refusal)."""

    PRICE_MISMATCH = "price_mismatch"
    RATES_OUTSIDE_STAY = "rates_outside_stay"
    NIGHTS_WITHOUT_PRICE = "nights_without_price"
    OVERLAPPING_RATES = "overlapping_rates"
    UNMAPPED_ROOM = "unmapped_room"
    UNMAPPED_HOTEL = "unmapped_hotel"
    REVISION_CONFLICT = "revision_conflict"


@attrs.frozen(kw_only=True)
class ReservationFlag:
    """One inconsistency of a stored reservation with the figures involved (``figures``: name
    and value pairs as a person reads them, e.g. ``("nights", "1400.00 EUR")``).
    ``room`` is the room stay's index when the flag concerns one room.
    """

    code: FlagCode
    message: str
    figures: tuple[tuple[str, str], ...] = ()
    room: int | None = None


_LINK_FLAGS = frozenset({FlagCode.UNMAPPED_HOTEL, FlagCode.UNMAPPED_ROOM})

#: OpenTravel Meal Plan Type (MPT) codes a property reads on a booking.
MEAL_PLAN_NAMES: dict[str, str] = {
    "1": "All inclusive",
    "2": "American plan",
    "3": "Bed and breakfast",
    "4": "Buffet breakfast",
    "5": "Caribbean breakfast",
    "6": "Continental breakfast",
    "7": "English breakfast",
    "8": "European plan (room only)",
    "9": "Family plan",
    "10": "Full board",
    "11": "Full breakfast",
    "12": "Half board",
    "13": "As brochured",
    "14": "Room only",
    "15": "Self catering",
    "16": "Bermuda plan",
    "17": "Dinner, bed and breakfast",
    "18": "Family American plan",
    "19": "Breakfast",
    "20": "Modified plan",
    "21": "Lunch",
    "22": "Dinner",
    "23": "Breakfast and lunch",
    "24": "Lunch and dinner",
}


def meal_plan_name(code: str | None) -> str | None:
    """A readable name for an MPT code (or several, space separated); text that is not a code
    (Booking.com writes the plan out) is its own name.
    """
    if code is None:
        return None
    parts = code.replace(",", " ").split()
    if parts and all(part in MEAL_PLAN_NAMES for part in parts):
        return ", ".join(MEAL_PLAN_NAMES[part] for part in parts)
    return code


@attrs.frozen(kw_only=True)
class Service:
    """An extra (parking, breakfast, a cot...) with its price; ``room`` is the index of the
    room stay it belongs to, ``None`` for the whole reservation.
    """

    code: str | None = None
    name: str | None = None
    quantity: int = 1
    amount: Money | None = attrs.field(default=None, validator=_check_amount)
    room: int | None = None


@attrs.frozen(kw_only=True)
class ReservationId:
    """One of the sender's ids for the reservation, with its OTA type (UIT) and source."""

    value: str
    type: str | None = None
    source: str | None = None


@attrs.frozen(kw_only=True)
class Change:
    """One difference between two versions of a reservation, as a person reads it."""

    field: str
    before: str
    after: str


@attrs.frozen(kw_only=True)
class RevisionEntry:
    """One applied version of a reservation: its revision, what it did (``created``,
    ``modified``, ``cancelled``) and what changed compared with the version before.
    ``summary`` is the version itself as a person reads it (dates, rooms, guests, ...).
    """

    timestamp: datetime
    sequence: int = 0
    action: str
    summary: tuple[tuple[str, str], ...] = ()
    changes: tuple[Change, ...] = ()


@attrs.frozen(kw_only=True)
class NightlyPrice:
    """The price of one night of one room stay."""

    night: date
    amount: Money = attrs.field(validator=_check_amount)
    rate_plan_code: str | None = None


def _check_nightly_prices(
    instance: RoomStay, _attribute: object, prices: tuple[NightlyPrice, ...]
) -> None:
    for price in prices:
        if not instance.arrival <= price.night < instance.departure:
            raise InvalidValue(
                f"a price for the night of {price.night} lies outside the stay "
                f"{instance.arrival}..{instance.departure}"
            )


def _check_stay_dates(instance: RoomStay, _attribute: object, departure: date) -> None:
    if departure <= instance.arrival:
        raise InvalidDateRange(
            f"room stay departure {departure} must be after arrival {instance.arrival}"
        )


@attrs.frozen(kw_only=True)
class RoomStay:
    """One room of a reservation. ``unit_id`` is ``None`` while the room type is unmapped."""

    index: int
    external_room_type_id: str
    external_room_type_name: str | None = None
    external_rate_plan_id: str | None = None
    unit_id: UUID | None = None
    rate_plan_id: UUID | None = None
    arrival: date
    departure: date = attrs.field(validator=_check_stay_dates)
    guest_count: int = attrs.field(default=1, validator=_check_guest_count)
    guest_names: tuple[str, ...] = ()
    nightly_prices: tuple[NightlyPrice, ...] = attrs.field(
        default=(), validator=_check_nightly_prices
    )
    total: Money | None = attrs.field(default=None, validator=_check_amount)
    commission: Money | None = attrs.field(default=None, validator=_check_amount)
    meal_plan: str | None = None
    remarks: tuple[str, ...] = ()
    adults: int | None = None
    children: int = attrs.field(default=0, validator=_check_guest_count)
    child_ages: tuple[int, ...] = ()
    infants: int = attrs.field(default=0, validator=_check_guest_count)
    taxes: Money | None = attrs.field(default=None, validator=_check_amount)
    fees: Money | None = attrs.field(default=None, validator=_check_amount)

    @property
    def meal_plan_name(self) -> str | None:
        """The meal plan as a person reads it (an MPT code's name, else the text given)."""
        return meal_plan_name(self.meal_plan)

    @property
    def nights(self) -> tuple[date, ...]:
        """Every night of the stay: arrival up to, not including, departure."""
        return tuple(
            date.fromordinal(n) for n in range(self.arrival.toordinal(), self.departure.toordinal())
        )

    @property
    def is_mapped(self) -> bool:
        """True when the room type is mapped to one of our units."""
        return self.unit_id is not None


@attrs.frozen(kw_only=True)
class Totals:
    """Reservation-level amounts as the channel reported them."""

    amount_before_tax: Money | None = attrs.field(default=None, validator=_check_amount)
    amount_after_tax: Money | None = attrs.field(default=None, validator=_check_amount)
    taxes: Money | None = attrs.field(default=None, validator=_check_amount)
    commission: Money | None = attrs.field(default=None, validator=_check_amount)


def _check_last_four(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and not _LAST_FOUR.fullmatch(value):
        raise CardDataRejected("a payment summary keeps exactly the last four digits of a card")


def _check_expiry(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and not _EXPIRY.fullmatch(value):
        raise CardDataRejected("card expiry must look like MM/YY or MMYY")


def _check_no_pan(
    _instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and _PAN_LIKE.search(value):
        raise CardDataRejected(f"{attribute.name} looks like it contains a card number")


@attrs.frozen(kw_only=True)
class PaymentSummary:
    """What we may keep about a payment card: type, last four, expiry, holder. Never the
    number or the security code; the validators make holding them impossible.
    """

    card_type: str | None = attrs.field(default=None, validator=_check_no_pan)
    last_four: str | None = attrs.field(default=None, validator=_check_last_four)
    expiry: str | None = attrs.field(default=None, validator=_check_expiry)
    holder_name: str | None = attrs.field(default=None, validator=_check_no_pan)

    @classmethod
    def from_card(
        cls,
        number: str | None,
        card_type: str | None = None,
        expiry: str | None = None,
        holder: str | None = None,
    ) -> PaymentSummary:
        """Keep only the last four digits of ``number``; the rest is discarded here."""
        digits = "".join(ch for ch in number or "" if ch.isdigit())
        last_four = digits[-4:] if len(digits) >= 4 else None
        return cls(card_type=card_type, last_four=last_four, expiry=expiry, holder_name=holder)


def _check_aware(_instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(f"{attribute.name} must be timezone-aware (UTC), got {value!r}")


@attrs.frozen(order=True)
class Revision:
    """The version of a reservation message: channel timestamp, then a sequence number for
    messages that share a timestamp. Totally ordered by ``(timestamp, sequence)``.
    """

    timestamp: datetime = attrs.field(validator=_check_aware)
    sequence: int = 0


def _check_reservation_dates(instance: Reservation, _attribute: object, departure: date) -> None:
    if departure <= instance.arrival:
        raise InvalidDateRange(
            f"reservation departure {departure} must be after arrival {instance.arrival}"
        )


@attrs.frozen(kw_only=True)
class Reservation:
    """A booking received from a channel, in its latest known revision."""

    id: UUID
    connection_id: UUID
    channel: str = "booking"
    external_id: str
    external_property_id: str
    property_id: UUID | None = None
    status: ReservationStatus = ReservationStatus.CONFIRMED
    revision: Revision
    booked_at: datetime | None = None
    arrival: date
    departure: date = attrs.field(validator=_check_reservation_dates)
    room_stays: tuple[RoomStay, ...] = ()
    booker: Guest | None = None
    guests: tuple[Guest, ...] = ()
    totals: Totals = Totals()
    currency: str
    remarks: tuple[str, ...] = ()
    special_requests: tuple[str, ...] = ()
    payment: PaymentSummary | None = None
    source: str = "booking.com"
    raw_message_id: UUID | None = None
    flags: tuple[ReservationFlag, ...] = ()
    services: tuple[Service, ...] = ()
    reservation_ids: tuple[ReservationId, ...] = ()
    arrival_time: str | None = None
    promotion_codes: tuple[str, ...] = ()
    cancelled_at: datetime | None = None
    history: tuple[RevisionEntry, ...] = ()
    kind: ReservationKind = ReservationKind.BOOKING

    def with_link_flags(self) -> Reservation:
        """This reservation with its ``unmapped_hotel`` / ``unmapped_room`` flags as its links
        are now: linking after a mapping is saved clears them, the other flags stay.
        """
        kept = tuple(flag for flag in self.flags if flag.code not in _LINK_FLAGS)
        derived: list[ReservationFlag] = []
        if self.property_id is None:
            derived.append(
                ReservationFlag(
                    code=FlagCode.UNMAPPED_HOTEL,
                    message=f"hotel {self.external_property_id or '?'} is not mapped to a "
                    "property of ours",
                    figures=(("hotel", self.external_property_id),),
                )
            )
        else:
            derived.extend(
                ReservationFlag(
                    code=FlagCode.UNMAPPED_ROOM,
                    message=f"room {stay.index}: room type {stay.external_room_type_id or '?'}"
                    " is not mapped to a unit",
                    figures=(("room type", stay.external_room_type_id),),
                    room=stay.index,
                )
                for stay in self.room_stays
                if not stay.is_mapped
            )
        flags = (*kept, *derived)
        return self if flags == self.flags else attrs.evolve(self, flags=flags)

    @property
    def nights(self) -> int:
        """Number of nights between arrival and departure."""
        return (self.departure - self.arrival).days

    @property
    def has_unmapped_rooms(self) -> bool:
        """True when at least one room stay is not mapped to a unit (kept and flagged)."""
        return any(not stay.is_mapped for stay in self.room_stays)

    @property
    def is_cancelled(self) -> bool:
        """True once the reservation is cancelled (cancellations are final)."""
        return self.status is ReservationStatus.CANCELLED


def _guests_text(stay: RoomStay) -> str:
    if stay.adults is None:
        text = f"{stay.guest_count} guest{'s' if stay.guest_count != 1 else ''}"
    else:
        text = f"{stay.adults} adult{'s' if stay.adults != 1 else ''}"
        if stay.children:
            text += f", {stay.children} child{'ren' if stay.children != 1 else ''}"
            if stay.child_ages:
                text += f" aged {', '.join(str(age) for age in stay.child_ages)}"
        if stay.infants:
            text += f", {stay.infants} infant{'s' if stay.infants != 1 else ''}"
    if stay.guest_names:
        text += f" ({', '.join(stay.guest_names)})"
    return text


def _money_text(money: Money | None) -> str:
    """An amount at the currency's minor units when that is exact (200 -> 200.00)."""
    if money is None:
        return "-"
    return str(money.rounded() if money.is_exact() else money)


def version_summary(reservation: Reservation) -> tuple[tuple[str, str], ...]:
    """A version of a reservation as a property reads it, field by field: what a revision's
    "what changed" compares (dates, rooms, guests, meal plan, prices)."""
    stays = reservation.room_stays
    totals = reservation.totals
    return (
        ("dates", f"{reservation.arrival}..{reservation.departure}"),
        (
            "rooms",
            "; ".join(
                f"{stay.external_room_type_name or stay.external_room_type_id}"
                f" {stay.arrival}..{stay.departure}"
                for stay in stays
            )
            or "-",
        ),
        ("guests", "; ".join(_guests_text(stay) for stay in stays) or "-"),
        ("meal plan", "; ".join(stay.meal_plan_name or "-" for stay in stays) or "-"),
        (
            "nightly prices",
            "; ".join(
                ", ".join(f"{p.night}: {p.amount}" for p in stay.nightly_prices) or "-"
                for stay in stays
            )
            or "-",
        ),
        ("room totals", "; ".join(_money_text(stay.total) for stay in stays) or "-"),
        ("total", _money_text(totals.amount_after_tax or totals.amount_before_tax)),
        (
            "services",
            "; ".join(
                f"{service.quantity} x {service.name or service.code or 'service'}"
                f" {_money_text(service.amount)}"
                for service in reservation.services
            )
            or "-",
        ),
    )
