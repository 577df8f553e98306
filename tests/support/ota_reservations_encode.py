"""Encoding OTA_HotelResNotifRQ / OTA_HotelResModifyNotifRQ in Booking.com's ``2.001`` form:
integer amounts with ``DecimalPlaces``, one ``RoomRate[@EffectiveDate]`` per night.

We never send reservations to Booking.com; this exists so tests round-trip the decoder and can
check the form against the 2015B schema. Payment cards are written without a number (we never
hold one). Element order follows the 2015B schema. ``meal_plan`` is not written: Booking.com's
free-text ``RoomDescription/MealPlan`` has no place in the schema.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import (
    format_bool,
    format_timestamp,
    ota_root,
    sub,
    to_bytes,
)
from channel_manager.adapters.booking.ota.reservation_ids import write_reservation_ids
from channel_manager.adapters.booking.ota.reservations import (
    Amount,
    Customer,
    OtaReservation,
    OtaRoomStay,
    ResMessageKind,
    ResNotifRQ,
    SpecialRequest,
    Total,
)
from channel_manager.adapters.booking.ota.xmlread import split_amount


def _amount(attributes: dict[str, str | None], name: str, value: Decimal | None) -> None:
    if value is not None:
        integer, places = split_amount(value)
        attributes[name] = integer
        attributes["DecimalPlaces"] = places


def _write_total(parent: etree._Element, name: str, total: Total | None) -> None:
    if total is None:
        return
    # One DecimalPlaces serves both amounts, so both are written with the larger scale.
    places = max(
        (
            int(split_amount(value)[1])
            for value in (total.after_tax, total.before_tax)
            if value is not None
        ),
        default=None,
    )
    attributes: dict[str, str | None] = {"CurrencyCode": total.currency}
    for attribute, value in (
        ("AmountBeforeTax", total.before_tax),
        ("AmountAfterTax", total.after_tax),
    ):
        if value is not None:
            attributes[attribute], attributes["DecimalPlaces"] = split_amount(value, places)
    element = sub(parent, name, attributes)
    if total.taxes is not None:
        tax_attributes: dict[str, str | None] = {"CurrencyCode": total.currency}
        _amount(tax_attributes, "Amount", total.taxes)
        sub(element, "Taxes", tax_attributes)


def _write_commission(parent: etree._Element, name: str, commission: Amount | None) -> None:
    if commission is None:
        return
    attributes: dict[str, str | None] = {"CurrencyCode": commission.currency}
    _amount(attributes, "Amount", commission.value)
    sub(sub(parent, name), "CommissionPayableAmount", attributes)


def _write_texts(parent: etree._Element, container: str, item: str, texts: tuple[str, ...]) -> None:
    if texts:
        holder = sub(parent, container)
        for value in texts:
            sub(sub(holder, item), "Text", text=value)


def _write_special_requests(parent: etree._Element, requests: tuple[SpecialRequest, ...]) -> None:
    if requests:
        holder = sub(parent, "SpecialRequests")
        for request in requests:
            sub(sub(holder, "SpecialRequest", {"Name": request.name}), "Text", text=request.text)


def _write_room_stay(parent: etree._Element, stay: OtaRoomStay) -> None:
    element = sub(parent, "RoomStay", {"IndexNumber": stay.index_number})
    if stay.room_type_code is not None or stay.room_name is not None:
        room_type = sub(
            sub(element, "RoomTypes"), "RoomType", {"RoomTypeCode": stay.room_type_code}
        )
        if stay.room_name is not None:
            sub(room_type, "RoomDescription", {"Name": stay.room_name})
    if stay.rate_plan_code is not None or stay.commission is not None:
        rate_plan = sub(
            sub(element, "RatePlans"), "RatePlan", {"RatePlanCode": stay.rate_plan_code}
        )
        _write_commission(rate_plan, "Commission", stay.commission)
    if stay.nightly_rates:
        room_rates = sub(element, "RoomRates")
        for rate in stay.nightly_rates:
            room_rate = sub(
                room_rates,
                "RoomRate",
                {"EffectiveDate": rate.night.isoformat(), "RatePlanCode": rate.rate_plan_code},
            )
            _write_total(sub(sub(room_rate, "Rates"), "Rate"), "Total", rate.price)
    if stay.guest_counts:
        counts = sub(element, "GuestCounts")
        for count in stay.guest_counts:
            sub(
                counts,
                "GuestCount",
                {
                    "AgeQualifyingCode": count.age_qualifying_code,
                    "Age": None if count.age is None else str(count.age),
                    "Count": str(count.count),
                },
            )
    sub(element, "TimeSpan", {"Start": stay.arrival.isoformat(), "End": stay.departure.isoformat()})
    _write_total(element, "Total", stay.total)
    sub(element, "BasicPropertyInfo", {"HotelCode": stay.hotel_code})
    if stay.guest_rphs:
        sub(element, "ResGuestRPHs", text=" ".join(stay.guest_rphs))  # 2015B: a list type
    _write_texts(element, "Comments", "Comment", stay.comments)
    _write_special_requests(element, stay.special_requests)


def _write_customer(parent: etree._Element, customer: Customer) -> None:
    profile = sub(sub(sub(parent, "Profiles"), "ProfileInfo"), "Profile")
    element = sub(profile, "Customer", {"Language": customer.language})
    name = customer.name
    if name.surname is not None:
        person = sub(element, "PersonName")
        if name.prefix is not None:
            sub(person, "NamePrefix", text=name.prefix)
        if name.given_name is not None:
            sub(person, "GivenName", text=name.given_name)
        sub(person, "Surname", text=name.surname)
    if customer.phone is not None:
        sub(element, "Telephone", {"PhoneNumber": customer.phone})
    if customer.email is not None:
        sub(element, "Email", text=customer.email)
    address = customer.address
    if address is not None:
        address_element = sub(element, "Address")
        for line in address.lines:
            sub(address_element, "AddressLine", text=line)
        for tag, value in (
            ("CityName", address.city),
            ("PostalCode", address.postal_code),
            ("StateProv", address.state),
        ):
            if value is not None:
                sub(address_element, tag, text=value)
        if address.country_code is not None or address.country_name is not None:
            sub(
                address_element, "CountryName", {"Code": address.country_code}, address.country_name
            )
        if customer.company_name is not None:
            sub(address_element, "CompanyName", text=customer.company_name)


def _write_card(parent: etree._Element, reservation: OtaReservation) -> None:
    card = reservation.payment_card
    if card is None:
        return
    accepted = sub(sub(sub(parent, "Guarantee"), "GuaranteesAccepted"), "GuaranteeAccepted")
    element = sub(
        accepted, "PaymentCard", {"CardCode": card.card_code, "ExpireDate": card.expire_date}
    )
    if card.holder_name is not None:
        sub(element, "CardHolderName", text=card.holder_name)
    if card.last_four is not None:
        # Only the masked form: we never hold a full card number.
        sub(element, "CardNumber", {"Mask": f"xxxxxxxxxxxx{card.last_four}"})


def _write_reservation(parent: etree._Element, name: str, reservation: OtaReservation) -> None:
    element = sub(
        parent,
        name,
        {
            "CreateDateTime": format_timestamp(reservation.create_datetime)
            if reservation.create_datetime
            else None,
            "LastModifyDateTime": format_timestamp(reservation.last_modify_datetime)
            if reservation.last_modify_datetime
            else None,
            "ResStatus": reservation.status.value,
        },
    )
    if reservation.unique_id is not None:
        sub(
            element,
            "UniqueID",
            {"Type": reservation.unique_id_type or "14", "ID": reservation.unique_id},
        )
    if reservation.room_stays:
        stays = sub(element, "RoomStays")
        for stay in reservation.room_stays:
            _write_room_stay(stays, stay)
    if reservation.guests:
        guests = sub(element, "ResGuests")
        for guest in reservation.guests:
            guest_element = sub(
                guests,
                "ResGuest",
                {
                    "ResGuestRPH": guest.rph,
                    "PrimaryIndicator": None
                    if guest.primary is None
                    else format_bool(guest.primary),
                },
            )
            _write_customer(guest_element, guest.customer)
    info = sub(element, "ResGlobalInfo")
    _write_texts(info, "Comments", "Comment", reservation.comments)
    _write_special_requests(info, reservation.special_requests)
    _write_card(info, reservation)
    _write_total(info, "Total", reservation.total)
    write_reservation_ids(info, reservation.ids)
    if reservation.booker is not None:
        _write_customer(info, reservation.booker)
    _write_commission(info, "TotalCommissions", reservation.total_commission)
    sub(info, "BasicPropertyInfo", {"HotelCode": reservation.hotel_code})


def encode_res_notif_rq(request: ResNotifRQ, *, soap: bool = False) -> bytes:
    """Encode OTA_HotelResNotifRQ or OTA_HotelResModifyNotifRQ."""
    root = ota_root(
        request.kind.value,
        {
            "EchoToken": request.echo_token,
            "TimeStamp": format_timestamp(request.timestamp) if request.timestamp else None,
            "Target": request.target,
            "Version": request.version,
            "ResStatus": request.res_status,
        },
    )
    if request.kind is ResMessageKind.NEW:
        container, item = sub(root, "HotelReservations"), "HotelReservation"
    else:
        container, item = sub(root, "HotelResModifies"), "HotelResModify"
    for reservation in request.reservations:
        _write_reservation(container, item, reservation)
    return to_bytes(root, soap=soap)
