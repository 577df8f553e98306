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


#: MPT codes of the sandbox's meal plans (RatePlan/MealsIncluded/@MealPlanCodes).
MEAL_PLAN_CODES = {
    "Room only": "14",
    "Breakfast included": "19",
    "Half board": "12",
    "Full board": "10",
    "All inclusive": "1",
}


def _runs(stay: Stay) -> list[tuple[dt.date, dt.date, Decimal, int]]:
    """Consecutive nights with one price: (first night, end (exclusive), price, nights)."""
    runs: list[tuple[dt.date, dt.date, Decimal, int]] = []
    for night, price in zip(stay.nights, stay.nightly_prices, strict=True):
        if runs and runs[-1][2] == price and runs[-1][1] == night:
            first, _end, _price, count = runs[-1]
            runs[-1] = (first, night + dt.timedelta(days=1), price, count + 1)
        else:
            runs.append((night, night + dt.timedelta(days=1), price, 1))
    return runs


def _room_rates(room_stay: etree._Element, stay: Stay, hotel: Hotel) -> None:
    """Booking.com's RoomRate per night, or other senders' Rate spans: a span's Total is the
    whole span (the ``span`` form); the ``base`` form gives only Base, the price per night."""
    rates = sub(room_stay, "RoomRates")
    if stay.rate_form == "night":
        for night, price in zip(stay.nights, stay.nightly_prices, strict=True):
            room_rate = sub(
                rates, "RoomRate", EffectiveDate=night.isoformat(), RatePlanCode=stay.rate_plan_id
            )
            _amount(sub(sub(room_rate, "Rates"), "Rate"), "Total", price, hotel)
        return
    room_rate = sub(rates, "RoomRate", RoomTypeCode=stay.room_id, RatePlanCode=stay.rate_plan_id)
    spans = sub(room_rate, "Rates")
    for first, end, price, count in _runs(stay):
        rate = sub(
            spans,
            "Rate",
            EffectiveDate=first.isoformat(),
            ExpireDate=end.isoformat(),
            RateTimeUnit="Day",
            UnitMultiplier="1",
        )
        if stay.rate_form == "base":
            _amount(rate, "Base", price, hotel)  # Base only: the price per night
        else:
            _amount(rate, "Total", price * count, hotel)


def _guest_counts(room_stay: etree._Element, stay: Stay) -> None:
    counts = sub(room_stay, "GuestCounts")
    if not stay.child_ages:
        sub(counts, "GuestCount", Count=str(stay.guest_count))
        return
    sub(counts, "GuestCount", AgeQualifyingCode="10", Count=str(stay.adults))
    for age in stay.child_ages:
        sub(counts, "GuestCount", AgeQualifyingCode="8", Count="1", Age=str(age))


def _room_stay(
    parent: etree._Element, index: int, stay: Stay, res: Reservation, hotel: Hotel
) -> None:
    room_stay = sub(parent, "RoomStay", IndexNumber=str(index))
    room_type = sub(sub(room_stay, "RoomTypes"), "RoomType", RoomTypeCode=stay.room_id)
    description = sub(room_type, "RoomDescription", Name=stay.room_name)
    sub(description, "Text", stay.meal_plan)
    sub(description, "MealPlan", stay.meal_plan)
    rate_plan = sub(sub(room_stay, "RatePlans"), "RatePlan", RatePlanCode=stay.rate_plan_id)
    _commission(sub(rate_plan, "Commission"), res.stay_commission(stay), hotel)
    if stay.meal_plan in MEAL_PLAN_CODES:
        sub(rate_plan, "MealsIncluded", MealPlanCodes=MEAL_PLAN_CODES[stay.meal_plan])
    _room_rates(room_stay, stay, hotel)
    _guest_counts(room_stay, stay)
    sub(room_stay, "TimeSpan", Start=stay.arrival.isoformat(), End=stay.departure.isoformat())
    _amount(room_stay, "Total", stay.total, hotel)
    sub(room_stay, "BasicPropertyInfo", HotelCode=hotel.code, HotelName=hotel.name)
    sub(sub(room_stay, "ResGuestRPHs"), "ResGuestRPH", RPH=str(index))
    if index == 1 and res.special_request:
        request = sub(sub(room_stay, "SpecialRequests"), "SpecialRequest", Name="request")
        sub(request, "Text", res.special_request)
    rphs = [str(n) for n, extra in enumerate(res.extras, start=1) if extra.room_index == index]
    if rphs:
        service_rphs = sub(room_stay, "ServiceRPHs")
        for rph in rphs:
            sub(service_rphs, "ServiceRPH", RPH=rph)


def _services(parent: etree._Element, res: Reservation, hotel: Hotel) -> None:
    """The reservation's priced extras, each tied to its room through ServiceRPHs."""
    if not res.extras:
        return
    services = sub(parent, "Services")
    for rph, extra in enumerate(res.extras, start=1):
        service = sub(
            services,
            "Service",
            ServiceRPH=str(rph),
            ServiceInventoryCode=extra.code,
            Quantity=str(extra.quantity),
        )
        _amount(sub(service, "Price"), "Total", extra.price, hotel)
        sub(sub(service, "ServiceDetails"), "ServiceDescription", Name=extra.name)


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
        _services(element, res, hotel)
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
