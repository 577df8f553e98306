"""Renders reservations as Booking.com's OTA_HotelResNotifRQ / OTA_HotelResModifyNotifRQ.

Amounts are integers next to `DecimalPlaces` (the currency's minor units); AmountAfterTax or
AmountBeforeTax depending on the property; card data is a fake test card, sent in clear on
purpose so the client has to mask it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from lxml import etree

from booking_sandbox.model import (
    CURRENCY_DECIMALS,
    Hotel,
    MessageKind,
    Person,
    Reservation,
    Stay,
)
from booking_sandbox.xml import minor_units, ota_root, serialize, sub

RES_NOTIF_VERSION = "2.001"
RES_STATUS: dict[MessageKind, str] = {
    MessageKind.NEW: "Commit",
    MessageKind.MODIFY: "Modify",
    MessageKind.CANCEL: "Cancel",
}


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _amount(parent: etree._Element, tag: str, amount: Decimal, hotel: Hotel) -> None:
    places = CURRENCY_DECIMALS[hotel.currency]
    key = "AmountAfterTax" if hotel.prices_include_tax else "AmountBeforeTax"
    sub(
        parent,
        tag,
        **{key: minor_units(amount, places)},
        DecimalPlaces=str(places),
        CurrencyCode=hotel.currency,
    )


def _commission(parent: etree._Element, amount: Decimal, hotel: Hotel) -> None:
    places = CURRENCY_DECIMALS[hotel.currency]
    sub(
        parent,
        "CommissionPayableAmount",
        Amount=minor_units(amount, places),
        DecimalPlaces=str(places),
        CurrencyCode=hotel.currency,
    )


def _customer(parent: etree._Element, person: Person, *, contact: bool) -> None:
    customer = sub(
        sub(sub(sub(parent, "Profiles"), "ProfileInfo"), "Profile", ProfileType="1"),
        "Customer",
        Language=person.language,
    )
    name = sub(customer, "PersonName")
    sub(name, "GivenName", person.given_name)
    sub(name, "Surname", person.surname)
    if not contact:
        return
    sub(customer, "Telephone", PhoneNumber=person.phone)
    sub(customer, "Email", person.email)
    address = sub(customer, "Address")
    sub(address, "AddressLine", person.address_line)
    sub(address, "CityName", person.city)
    sub(address, "PostalCode", person.postal_code)
    sub(address, "CountryName", Code=person.country_code)
    if person.company:
        sub(address, "CompanyName", person.company)


def _room_stay(
    parent: etree._Element, index: int, stay: Stay, res: Reservation, hotel: Hotel
) -> None:
    room_stay = sub(parent, "RoomStay", IndexNumber=str(index))
    room_type = sub(sub(room_stay, "RoomTypes"), "RoomType", RoomTypeCode=stay.room_id)
    sub(sub(room_type, "RoomDescription", Name=stay.room_name), "Text", stay.meal_plan)
    rate_plan = sub(sub(room_stay, "RatePlans"), "RatePlan", RatePlanCode=stay.rate_plan_id)
    _commission(sub(rate_plan, "Commission"), res.stay_commission(stay), hotel)
    rates = sub(room_stay, "RoomRates")
    for night, price in zip(stay.nights, stay.nightly_prices, strict=True):
        room_rate = sub(
            rates, "RoomRate", EffectiveDate=night.isoformat(), RatePlanCode=stay.rate_plan_id
        )
        _amount(sub(sub(room_rate, "Rates"), "Rate"), "Total", price, hotel)
    sub(sub(room_stay, "GuestCounts"), "GuestCount", Count=str(stay.guest_count))
    sub(room_stay, "TimeSpan", Start=stay.arrival.isoformat(), End=stay.departure.isoformat())
    _amount(room_stay, "Total", stay.total, hotel)
    sub(room_stay, "BasicPropertyInfo", HotelCode=hotel.code, HotelName=hotel.name)
    sub(sub(room_stay, "ResGuestRPHs"), "ResGuestRPH", RPH=str(index))
    if index == 1 and res.special_request:
        request = sub(sub(room_stay, "SpecialRequests"), "SpecialRequest", Name="request")
        sub(request, "Text", res.special_request)


def _reservation(
    element: etree._Element, res: Reservation, hotel: Hotel, kind: MessageKind
) -> None:
    element.set("ResStatus", RES_STATUS[kind])
    element.set("CreateDateTime", _stamp(res.booked_at))
    if res.modified_at is not None:
        element.set("LastModifyDateTime", _stamp(res.modified_at))
    if kind is not MessageKind.CANCEL:
        stays = sub(element, "RoomStays")
        for index, stay in enumerate(res.stays, start=1):
            _room_stay(stays, index, stay, res, hotel)
        guests = sub(element, "ResGuests")
        for index, stay in enumerate(res.stays, start=1):
            guest = sub(guests, "ResGuest", ResGuestRPH=str(index))
            _customer(guest, stay.guest, contact=False)
    info = sub(element, "ResGlobalInfo")
    if kind is not MessageKind.CANCEL:
        if res.comment:
            sub(sub(sub(info, "Comments"), "Comment"), "Text", res.comment)
        accepted = sub(sub(sub(info, "Guarantee"), "GuaranteesAccepted"), "GuaranteeAccepted")
        card = sub(
            accepted,
            "PaymentCard",
            CardCode=res.card.card_code,
            CardNumber=res.card.number,
            SeriesCode=res.card.series_code,
            ExpireDate=res.card.expire_date,
        )
        sub(card, "CardHolderName", res.card.holder)
        _amount(info, "Total", res.total, hotel)
    ids = sub(info, "HotelReservationIDs")
    sub(ids, "HotelReservationID", ResID_Value=res.id, ResID_Date=_stamp(res.booked_at))
    _customer(info, res.booker, contact=True)
    if kind is not MessageKind.CANCEL:
        _commission(sub(info, "TotalCommissions"), res.commission, hotel)


def res_notif_rq(
    items: Iterable[tuple[MessageKind, Reservation]],
    hotels: dict[str, Hotel],
    now: dt.datetime,
    *,
    root_status: str | None = None,
) -> bytes:
    """OTA_HotelResNotifRQ with one HotelReservation per item (root `ResStatus` for push)."""
    extra = {"ResStatus": root_status} if root_status else {}
    root = ota_root("OTA_HotelResNotifRQ", RES_NOTIF_VERSION, now, Target="Production", **extra)
    reservations = sub(root, "HotelReservations")
    for kind, res in items:
        _reservation(sub(reservations, "HotelReservation"), res, hotels[res.hotel_code], kind)
    return serialize(root)


def res_modify_notif_rq(
    items: Iterable[tuple[MessageKind, Reservation]], hotels: dict[str, Hotel], now: dt.datetime
) -> bytes:
    """OTA_HotelResModifyNotifRQ with one HotelResModify (Modify or Cancel) per item."""
    root = ota_root("OTA_HotelResModifyNotifRQ", RES_NOTIF_VERSION, now, Target="Production")
    modifies = sub(root, "HotelResModifies")
    for kind, res in items:
        _reservation(sub(modifies, "HotelResModify"), res, hotels[res.hotel_code], kind)
    return serialize(root)
