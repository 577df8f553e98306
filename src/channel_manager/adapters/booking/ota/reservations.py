"""Reservation messages as the wire carries them: OTA_HotelResNotifRQ and
OTA_HotelResModifyNotifRQ, one :class:`OtaReservation` per ``HotelReservation`` /
``HotelResModify``.

Amounts are exact ``Decimal`` already scaled by ``DecimalPlaces``; dates are hotel-local
calendar dates; timestamps are aware UTC. Card data is reduced to :class:`CardSummary` while
decoding: the card number and security code never reach these objects.
Decoding lives in :mod:`.reservations_decode`; the encoder, which only tests need, in
``tests/support/ota_reservations_encode.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId

#: OpenTravel Unique ID Types (UIT) naming the channel's reference for a reservation, and the
#: property's own (OTA_RESERVATIONS.md).
CHANNEL_ID_TYPES = frozenset({"14", "8"})
PROPERTY_ID_TYPES = frozenset({"10", "3"})

#: Booking.com's reservation messages carry ``Version="2.001"``.
RES_NOTIF_VERSION = "2.001"


class ResStatus(StrEnum):
    """What a reservation message asks for, after normalising the many OTA spellings."""

    COMMIT = "Commit"
    MODIFY = "Modify"
    CANCEL = "Cancel"


class ResMessageKind(StrEnum):
    """Which queue a reservation message belongs to (its root element)."""

    NEW = "OTA_HotelResNotifRQ"
    MODIFY = "OTA_HotelResModifyNotifRQ"


@attrs.frozen(kw_only=True)
class Amount:
    """An exact amount with the currency the message gave (OTA often omits it)."""

    value: Decimal
    currency: str | None = None


@attrs.frozen(kw_only=True)
class Total:
    """An OTA ``Total``/``Base``: amount after tax, before tax, and taxes, any of them absent."""

    after_tax: Decimal | None = None
    before_tax: Decimal | None = None
    taxes: Decimal | None = None
    currency: str | None = None

    @property
    def amount(self) -> Decimal | None:
        """The after-tax amount, else the before-tax one (Booking.com sends one of them)."""
        return self.after_tax if self.after_tax is not None else self.before_tax


@attrs.frozen(kw_only=True)
class PersonName:
    """``PersonName``."""

    given_name: str | None = None
    surname: str | None = None
    prefix: str | None = None


@attrs.frozen(kw_only=True)
class PostalAddress:
    """``Address``; ``country_code`` from ``CountryName/@Code``, ``country_name`` its text."""

    lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country_code: str | None = None
    country_name: str | None = None


@attrs.frozen(kw_only=True)
class Customer:
    """``Customer``: a stay guest or the booker."""

    name: PersonName = PersonName()
    email: str | None = None
    phone: str | None = None
    address: PostalAddress | None = None
    company_name: str | None = None
    language: str | None = None


@attrs.frozen(kw_only=True)
class GuestProfile:
    """``ResGuest``: a guest with the RPH room stays refer to."""

    customer: Customer
    rph: str | None = None
    primary: bool | None = None


@attrs.frozen(kw_only=True)
class GuestCount:
    """``GuestCount``: ``count`` guests of an age category (AQC 10 adult, 8 child)."""

    count: int
    age_qualifying_code: str | None = None
    age: int | None = None


@attrs.frozen(kw_only=True)
class NightlyRate:
    """The price of one night, expanded from ``RoomRate``/``Rate`` date ranges: a span's
    ``Base`` per night (plus ``AdditionalGuestAmounts``), or its ``Total`` spread over the
    nights with the rounding remainder on the last.
    """

    night: date
    price: Total
    rate_plan_code: str | None = None


@attrs.frozen(kw_only=True)
class OtaService:
    """``Services/Service``: an extra with its price, tied to rooms through ``ServiceRPHs``."""

    rph: str | None = None
    code: str | None = None
    name: str | None = None
    quantity: int = 1
    price: Total | None = None


@attrs.frozen(kw_only=True)
class SpecialRequest:
    """``SpecialRequest[@Name]/Text``."""

    text: str
    name: str | None = None


@attrs.frozen(kw_only=True)
class CardSummary:
    """What we keep of a ``PaymentCard``: brand code, last four, expiry (MMYY), holder."""

    card_code: str | None = None
    last_four: str | None = None
    expire_date: str | None = None
    holder_name: str | None = None


@attrs.frozen(kw_only=True)
class OtaRoomStay:
    """One ``RoomStay``: a room from ``arrival`` to ``departure`` (exclusive)."""

    arrival: date
    departure: date
    index_number: str | None = None
    room_type_code: str | None = None
    room_name: str | None = None
    rate_plan_code: str | None = None
    meal_plan: str | None = None
    nightly_rates: tuple[NightlyRate, ...] = ()
    guest_counts: tuple[GuestCount, ...] = ()
    total: Total | None = None
    commission: Amount | None = None
    hotel_code: str | None = None
    guest_rphs: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()
    special_requests: tuple[SpecialRequest, ...] = ()
    service_rphs: tuple[str, ...] = ()
    promotion_code: str | None = None
    fees: Decimal | None = None

    @property
    def guest_total(self) -> int | None:
        """All guests of the stay, or ``None`` when the message did not count them."""
        return sum(count.count for count in self.guest_counts) if self.guest_counts else None


@attrs.frozen(kw_only=True)
class OtaReservation:
    """One reservation of a message, with its status already resolved."""

    status: ResStatus
    ids: tuple[HotelReservationId, ...] = ()
    unique_id: str | None = None
    unique_id_type: str | None = None
    create_datetime: datetime | None = None
    last_modify_datetime: datetime | None = None
    room_stays: tuple[OtaRoomStay, ...] = ()
    guests: tuple[GuestProfile, ...] = ()
    booker: Customer | None = None
    total: Total | None = None
    total_commission: Amount | None = None
    comments: tuple[str, ...] = ()
    special_requests: tuple[SpecialRequest, ...] = ()
    payment_card: CardSummary | None = None
    hotel_code: str | None = None
    services: tuple[OtaService, ...] = ()
    arrival_time: str | None = None

    @property
    def reservation_id(self) -> str | None:
        """The channel's reservation number (OTA_RESERVATIONS.md): an id of UIT type 14 or 8
        (``HotelReservationID`` first, then ``UniqueID``), else the first that is not the
        property's own (10, 3), else the first id, else ``UniqueID/@ID``."""
        candidates = [(i.type, i.value) for i in self.ids]
        if self.unique_id:
            candidates.append((self.unique_id_type, self.unique_id))
        for id_type, value in candidates:
            if id_type in CHANNEL_ID_TYPES:
                return value
        for id_type, value in candidates:
            if id_type not in PROPERTY_ID_TYPES:
                return value
        return candidates[0][1] if candidates else None

    @property
    def booked_at(self) -> datetime | None:
        """``CreateDateTime``, else Booking.com's ``ResID_Date``."""
        return self.create_datetime or next((i.date for i in self.ids if i.date), None)

    @property
    def currencies(self) -> tuple[str, ...]:
        """Every currency code the reservation mentions, in order of first mention."""
        candidates: list[str | None] = [self.total.currency if self.total else None]
        candidates.append(self.total_commission.currency if self.total_commission else None)
        for stay in self.room_stays:
            candidates.append(stay.total.currency if stay.total else None)
            candidates.append(stay.commission.currency if stay.commission else None)
            candidates.extend(rate.price.currency for rate in stay.nightly_rates)
        candidates.extend(service.price.currency for service in self.services if service.price)
        return tuple(dict.fromkeys(code for code in candidates if code))

    @property
    def currency(self) -> str | None:
        """The first currency code the reservation mentions anywhere."""
        return next(iter(self.currencies), None)


@attrs.frozen(kw_only=True)
class ResNotifRQ:
    """OTA_HotelResNotifRQ or OTA_HotelResModifyNotifRQ (``kind`` says which)."""

    kind: ResMessageKind = ResMessageKind.NEW
    reservations: tuple[OtaReservation, ...] = ()
    res_status: str | None = None
    echo_token: str | None = None
    timestamp: datetime | None = None
    target: str | None = None
    version: str = RES_NOTIF_VERSION
    ruid: str | None = None
    soap: bool = False
    #: The message was an OTA_CancelRQ (answered with OTA_CancelRS).
    cancel_rq: bool = False
