"""The sandbox's own records: hotels, rooms, rate plans, ARI cells, reservations, queue messages.

Mutable where the sandbox changes them (ARI cells, reservations, messages); money is Decimal.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import ROUND_HALF_UP, Decimal

from attrs import define, field, frozen

#: Minor units per ISO 4217 currency the sandbox uses.
CURRENCY_DECIMALS: dict[str, int] = {
    "EUR": 2,
    "GBP": 2,
    "USD": 2,
    "JPY": 0,
    "BRL": 2,
    "INR": 2,
    "NGN": 2,
    "DKK": 2,
    "PLN": 2,
}


@frozen
class RatePlan:
    """A Booking.com rate plan (`RatePlanCode`)."""

    id: str
    name: str


@frozen
class RoomType:
    """A Booking.com room (`InvTypeCode` / `RoomTypeCode`) with the rate plans sold on it."""

    id: str
    name: str
    max_persons: int
    rate_plan_ids: tuple[str, ...]
    base_price: Decimal


@frozen
class Hotel:
    """A property (`HotelCode`). `prices_include_tax` picks AmountAfterTax vs AmountBeforeTax."""

    code: str
    name: str
    currency: str
    city: str
    country: str
    prices_include_tax: bool
    commission_percent: Decimal
    rooms: tuple[RoomType, ...]
    rate_plans: tuple[RatePlan, ...]

    def room(self, room_id: str) -> RoomType | None:
        """The room type with this id, if the hotel has it."""
        return next((r for r in self.rooms if r.id == room_id), None)

    def rate_plan(self, rate_id: str) -> RatePlan | None:
        """The rate plan with this id, if the hotel has it."""
        return next((r for r in self.rate_plans if r.id == rate_id), None)


@define
class RateCell:
    """Rate and restrictions for one (room, rate plan, date)."""

    price: Decimal | None = None
    min_los: int | None = None
    max_los: int | None = None
    closed: bool = False
    closed_to_arrival: bool = False
    closed_to_departure: bool = False


class ConnectionStatus(enum.StrEnum):
    """A property's connection to the provider, as the Connections API reports it."""

    CONNECTED = "connected"
    PENDING = "pending"
    NOT_CONNECTED = "not_connected"


@define
class HotelConnection:
    """Connection state of one hotel to the (single) provider the sandbox simulates."""

    status: ConnectionStatus = ConnectionStatus.NOT_CONNECTED
    requested_at: dt.datetime | None = None
    connected_at: dt.datetime | None = None


@frozen
class Person:
    """A guest or booker with contact details; names may be any script."""

    given_name: str
    surname: str
    email: str
    phone: str
    address_line: str
    city: str
    postal_code: str
    country_code: str
    language: str
    company: str | None = None


@frozen
class PaymentCard:
    """A fake test card: the client must never store or log `number` or `series_code`."""

    card_code: str
    number: str
    series_code: str
    expire_date: str
    holder: str


@frozen
class Extra:
    """A priced extra (parking, a cot, late check-out) of one room, part of the total."""

    code: str
    name: str
    quantity: int
    price: Decimal
    room_index: int


@frozen
class Stay:
    """One booked room: a room type and rate plan for a run of nights with nightly prices."""

    room_id: str
    room_name: str
    rate_plan_id: str
    arrival: dt.date
    departure: dt.date
    guest_count: int
    guest: Person
    nightly_prices: tuple[Decimal, ...]
    meal_plan: str = "Breakfast included"
    #: Ages of the children among ``guest_count`` (the others are adults).
    child_ages: tuple[int, ...] = ()
    #: How the message prices the nights, as senders do: ``night`` (a RoomRate per night, as
    #: Booking.com), ``span`` (a Rate per run of equal nights whose Total is the whole run) or
    #: ``base`` (such a Rate with only Base, the price per night).
    rate_form: str = "night"

    @property
    def adults(self) -> int:
        """The guests who are not children."""
        return self.guest_count - len(self.child_ages)

    @property
    def nights(self) -> tuple[dt.date, ...]:
        """The nights (dates) this stay occupies; departure day is not a night."""
        count = (self.departure - self.arrival).days
        return tuple(self.arrival + dt.timedelta(days=i) for i in range(count))

    @property
    def total(self) -> Decimal:
        """Sum of the nightly prices."""
        return sum(self.nightly_prices, Decimal(0))


class ReservationStatus(enum.StrEnum):
    """Lifecycle of a sandbox reservation."""

    NEW = "new"
    MODIFIED = "modified"
    CANCELLED = "cancelled"


@frozen
class Reservation:
    """A Booking.com reservation (`ResID_Value`) in one hotel; `revision` grows per change."""

    id: str
    hotel_code: str
    booked_at: dt.datetime
    currency: str
    booker: Person
    stays: tuple[Stay, ...]
    card: PaymentCard
    comment: str
    special_request: str | None
    commission_percent: Decimal
    status: ReservationStatus = ReservationStatus.NEW
    revision: int = 1
    modified_at: dt.datetime | None = None
    extras: tuple[Extra, ...] = ()

    @property
    def total(self) -> Decimal:
        """Sum over all rooms and extras."""
        rooms = sum((s.total for s in self.stays), Decimal(0))
        return rooms + sum((extra.price for extra in self.extras), Decimal(0))

    def stay_commission(self, stay: Stay) -> Decimal:
        """Commission payable on one room, rounded half up to the currency's minor units."""
        quantum = Decimal(1).scaleb(-CURRENCY_DECIMALS[self.currency])
        return (stay.total * self.commission_percent / 100).quantize(quantum, ROUND_HALF_UP)

    @property
    def commission(self) -> Decimal:
        """Commission payable on the reservation: the sum of its rooms' (so the two agree)."""
        return sum((self.stay_commission(s) for s in self.stays), Decimal(0))


class MessageKind(enum.StrEnum):
    """What a queue message carries; `new` goes to ResNotif, the others to ResModifyNotif."""

    NEW = "new"
    MODIFY = "modify"
    CANCEL = "cancel"

    @property
    def queue(self) -> str:
        """The queue (endpoint) the message is served from."""
        return "new" if self is MessageKind.NEW else "modify"


@define
class QueueMessage:
    """One reservation message waiting in a queue until acknowledged.

    `snapshot` is the reservation as it was when the message was made. `delivered` turns true once
    a GET returned it; a message replaced by a later change of the same reservation is
    `superseded` and no longer served.
    """

    id: int
    kind: MessageKind
    reservation_id: str
    hotel_code: str
    snapshot: Reservation
    created_at: dt.datetime
    delivered: bool = False
    acknowledged: bool = False
    rejected: bool = False
    superseded: bool = False

    @property
    def pending(self) -> bool:
        """Still served by a GET."""
        return not (self.acknowledged or self.rejected or self.superseded)


@frozen
class RecordedRequest:
    """A request as the sandbox received it, with secrets masked."""

    at: dt.datetime
    method: str
    path: str
    query: str
    headers: dict[str, str] = field(factory=dict)
    body: str = ""
