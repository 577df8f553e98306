"""The other side of the OTA codec: decoders of what we send and encoders of what Booking.com
answers. Only tests need them (round trips, the 2015B schema, the OpenTravel samples), so they
live here rather than in ``src``. The reservation encoder is in :mod:`.ota_reservations_encode`.
"""

from __future__ import annotations

from lxml import etree

from channel_manager.adapters.booking.ota.ari import (
    AvailNotifRQ,
    AvailStatusMessage,
    BaseByGuestAmt,
    LengthOfStay,
    RateAmountMessage,
    RateAmountNotifRQ,
    RestrictionStatus,
    StatusApplicationControl,
)
from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.namespaces import message_root, sub, to_bytes
from channel_manager.adapters.booking.ota.parser import ParserLimits, parse_document
from channel_manager.adapters.booking.ota.responses import (
    NotifResponse,
    OtaIssue,
    decode_notif_response,
    write_issues,
)
from channel_manager.adapters.booking.ota.roomrates import RoomRatesRequest, RoomRatesResponse
from channel_manager.adapters.booking.ota.search import HotelSearchRQ, HotelSearchRS
from channel_manager.adapters.booking.ota.xmlread import (
    amount_attr,
    attr,
    bool_attr,
    child,
    children,
    date_attr,
    datetime_attr,
    int_attr,
    missing,
)

# Availability and rates: what Booking.com reads of our pushes.


def _read_control(parent: etree._Element) -> StatusApplicationControl:
    element = child(parent, "StatusApplicationControl")
    if element is None:
        raise missing("StatusApplicationControl")
    start = date_attr(element, "Start")
    if start is None:
        raise missing("StatusApplicationControl/@Start")
    return StatusApplicationControl(
        start=start,
        end=date_attr(element, "End") or start,  # OTA: no End means the Start date alone
        inv_type_code=attr(element, "InvTypeCode") or attr(element, "InvCode"),
        rate_plan_code=attr(element, "RatePlanCode"),
    )


def _read_length_of_stay(element: etree._Element) -> LengthOfStay:
    return LengthOfStay(
        min_max_message_type=attr(element, "MinMaxMessageType") or "SetMinLOS",
        time=int_attr(element, "Time"),
        time_unit=attr(element, "TimeUnit"),
        open_status_indicator=bool_attr(element, "OpenStatusIndicator"),
        full_pattern_los=attr(child(element, "LOS_Pattern"), "FullPatternLOS"),
    )


def decode_avail_notif_rq(data: bytes, *, limits: ParserLimits | None = None) -> AvailNotifRQ:
    """Decode OTA_HotelAvailNotifRQ."""
    root = parse_document(data, {"OTA_HotelAvailNotifRQ"}, limits=limits).root
    container = child(root, "AvailStatusMessages")
    if container is None:
        raise missing("AvailStatusMessages")
    messages = []
    for element in children(container, "AvailStatusMessage"):
        restriction = child(element, "RestrictionStatus")
        messages.append(
            AvailStatusMessage(
                control=_read_control(element),
                booking_limit=int_attr(element, "BookingLimit"),
                booking_limit_message_type=attr(element, "BookingLimitMessageType"),
                locator_id=int_attr(element, "LocatorID"),
                lengths_of_stay=tuple(
                    _read_length_of_stay(los)
                    for los in children(element, "LengthsOfStay", "LengthOfStay")
                ),
                restriction_status=None
                if restriction is None
                else RestrictionStatus(
                    status=attr(restriction, "Status") or "Open",
                    restriction=attr(restriction, "Restriction"),
                ),
            )
        )
    return AvailNotifRQ(
        hotel_code=attr(container, "HotelCode") or "",
        messages=tuple(messages),
        echo_token=attr(root, "EchoToken"),
        timestamp=datetime_attr(root, "TimeStamp"),
        version=attr(root, "Version") or "",
    )


def _read_amount(element: etree._Element) -> BaseByGuestAmt:
    after_tax = amount_attr(element, "AmountAfterTax")
    before_tax = amount_attr(element, "AmountBeforeTax")
    value = after_tax if after_tax is not None else before_tax
    if value is None:
        raise missing("BaseByGuestAmt/@AmountAfterTax or @AmountBeforeTax")
    return BaseByGuestAmt(
        amount=value,
        decimal_places=int_attr(element, "DecimalPlaces"),
        after_tax=after_tax is not None,
        number_of_guests=int_attr(element, "NumberOfGuests"),
    )


def decode_rate_amount_notif_rq(
    data: bytes, *, limits: ParserLimits | None = None
) -> RateAmountNotifRQ:
    """Decode OTA_HotelRateAmountNotifRQ (amounts exact, in Decimal)."""
    root = parse_document(data, {"OTA_HotelRateAmountNotifRQ"}, limits=limits).root
    container = child(root, "RateAmountMessages")
    if container is None:
        raise missing("RateAmountMessages")
    messages = []
    for element in children(container, "RateAmountMessage"):
        rates = children(element, "Rates", "Rate")
        messages.append(
            RateAmountMessage(
                control=_read_control(element),
                amounts=tuple(
                    _read_amount(amount)
                    for rate in rates
                    for amount in children(rate, "BaseByGuestAmts", "BaseByGuestAmt")
                ),
                currency_code=next(
                    (code for rate in rates if (code := attr(rate, "CurrencyCode"))), None
                ),
                locator_id=int_attr(element, "LocatorID"),
            )
        )
    return RateAmountNotifRQ(
        hotel_code=attr(container, "HotelCode") or "",
        messages=tuple(messages),
        echo_token=attr(root, "EchoToken"),
        timestamp=datetime_attr(root, "TimeStamp"),
        version=attr(root, "Version") or "",
    )


# ARI responses: what Booking.com answers.


def encode_notif_response(root_name: str, response: NotifResponse, *, soap: bool = False) -> bytes:
    """Encode an ARI response under ``root_name`` (e.g. ``OTA_HotelAvailNotifRS``)."""
    root = message_root(root_name, response.echo_token, response.timestamp, response.version)
    if response.success:
        sub(root, "Success")
        write_issues(root, "Warnings", "Warning", response.warnings)
    else:
        write_issues(root, "Errors", "Error", response.errors or (OtaIssue(type="1"),))
    return to_bytes(root, soap=soap)


def decode_avail_notif_rs(data: bytes, *, limits: ParserLimits | None = None) -> NotifResponse:
    """OTA_HotelAvailNotifRS."""
    return decode_notif_response(data, "OTA_HotelAvailNotifRS", limits=limits)


def decode_rate_amount_notif_rs(
    data: bytes, *, limits: ParserLimits | None = None
) -> NotifResponse:
    """OTA_HotelRateAmountNotifRS."""
    return decode_notif_response(data, "OTA_HotelRateAmountNotifRS", limits=limits)


# Hotel search: Booking.com's side.


def decode_hotel_search_rq(data: bytes, *, limits: ParserLimits | None = None) -> HotelSearchRQ:
    """Decode OTA_HotelSearchRQ, pagination at the root or in the first criterion."""
    root = parse_document(data, {"OTA_HotelSearchRQ"}, limits=limits).root
    at_root = child(root, "TPA_Extensions", "Pagination")
    pagination = (
        at_root
        if at_root is not None
        else child(root, "Criteria", "Criterion", "TPA_Extensions", "Pagination")
    )
    return HotelSearchRQ(
        page=int_attr(pagination, "Page"),
        page_size=int_attr(pagination, "PageSize"),
        pagination_at_root=at_root is not None,
        echo_token=attr(root, "EchoToken"),
        timestamp=datetime_attr(root, "TimeStamp"),
        version=attr(root, "Version") or "",
    )


def encode_hotel_search_rs(response: HotelSearchRS, *, soap: bool = False) -> bytes:
    """Encode OTA_HotelSearchRS (what the sandbox and tests answer)."""
    root = message_root(
        "OTA_HotelSearchRS", response.echo_token, response.timestamp, response.version
    )
    if not response.success:
        write_issues(root, "Errors", "Error", response.errors or (OtaIssue(type="1"),))
        return to_bytes(root, soap=soap)
    sub(root, "Success")
    write_issues(root, "Warnings", "Warning", response.warnings)
    if response.properties:
        container = sub(root, "Properties")
        for item in response.properties:
            sub(
                container,
                "Property",
                {
                    "ChainCode": item.chain_code,
                    "HotelCode": item.hotel_code,
                    "HotelCityCode": item.city_code,
                    "HotelName": item.hotel_name,
                    "CurrencyCode": item.currency_code,
                },
            )
    return to_bytes(root, soap=soap)


# B.XML roomrates: Booking.com's side.


def decode_roomrates_request(
    data: bytes, *, limits: ParserLimits | None = None
) -> RoomRatesRequest:
    """Decode the request body (the sandbox's side)."""
    root = parse_document(data, {"request"}, limits=limits, namespace=None).root
    hotel_id = (root.findtext("hotel_id") or "").strip()
    if not hotel_id:
        raise OtaParseError(OtaErrorCode.REQUIRED_FIELD_MISSING, "request/hotel_id is required")
    return RoomRatesRequest(hotel_id=hotel_id)


def encode_roomrates_response(response: RoomRatesResponse) -> bytes:
    """Encode the response body."""
    root = etree.Element("roomrates")
    for room in response.rooms:
        attributes = {"id": room.id}
        if room.name is not None:
            attributes["name"] = room.name
        if room.max_persons is not None:
            attributes["max_persons"] = str(room.max_persons)
        room_element = etree.SubElement(root, "room", attributes)
        rates = etree.SubElement(room_element, "rates")
        for rate in room.rates:
            rate_attributes = {"id": rate.id}
            if rate.name is not None:
                rate_attributes["name"] = rate.name
            etree.SubElement(rates, "rate", rate_attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
