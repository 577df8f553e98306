"""Listing the hotels of an account: OTA_HotelSearchRQ / OTA_HotelSearchRS.

Pagination travels in ``TPA_Extensions/Pagination[@Page @PageSize]``. BOOKING_CONNECTIVITY.md
describes it at the root of a request "without Criteria", but the 2015B schema requires
``Criteria`` and allows no root ``TPA_Extensions``; by default we send the schema-valid form,
an empty ``Criterion`` (matches every hotel) carrying the extension. Which form Booking.com
prefers is unconfirmed, so :attr:`HotelSearchRQ.pagination_at_root` switches to the other.
The decoder reads both.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import (
    format_timestamp,
    ota_root,
    sub,
    to_bytes,
)
from channel_manager.adapters.booking.ota.parser import ParserLimits, parse_document
from channel_manager.adapters.booking.ota.responses import OtaIssue, read_issues, write_issues
from channel_manager.adapters.booking.ota.xmlread import (
    attr,
    child,
    children,
    datetime_attr,
    int_attr,
    required_attr,
)

HOTEL_SEARCH_VERSION = "1.000"
#: Booking.com recommends 100 properties per page.
DEFAULT_PAGE_SIZE = 100


@attrs.frozen(kw_only=True)
class HotelSearchRQ:
    """OTA_HotelSearchRQ asking for one page of the account's hotels."""

    page: int | None = 1
    page_size: int | None = DEFAULT_PAGE_SIZE
    pagination_at_root: bool = False
    echo_token: str | None = None
    timestamp: datetime | None = None
    version: str = HOTEL_SEARCH_VERSION


@attrs.frozen(kw_only=True)
class PropertySummary:
    """One ``Property`` of a search response."""

    hotel_code: str
    hotel_name: str | None = None
    currency_code: str | None = None
    chain_code: str | None = None
    city_code: str | None = None


@attrs.frozen(kw_only=True)
class HotelSearchRS:
    """OTA_HotelSearchRS: the hotels of one page, or errors."""

    success: bool
    properties: tuple[PropertySummary, ...] = ()
    warnings: tuple[OtaIssue, ...] = ()
    errors: tuple[OtaIssue, ...] = ()
    echo_token: str | None = None
    timestamp: datetime | None = None
    version: str = HOTEL_SEARCH_VERSION
    ruid: str | None = None


def _root(
    name: str, echo_token: str | None, timestamp: datetime | None, version: str
) -> etree._Element:
    return ota_root(
        name,
        {
            "EchoToken": echo_token,
            "TimeStamp": format_timestamp(timestamp) if timestamp else None,
            "Version": version,
        },
    )


def _write_pagination(parent: etree._Element, request: HotelSearchRQ) -> None:
    if request.page is None and request.page_size is None:
        return
    sub(
        sub(parent, "TPA_Extensions"),
        "Pagination",
        {
            "Page": None if request.page is None else str(request.page),
            "PageSize": None if request.page_size is None else str(request.page_size),
        },
    )


def encode_hotel_search_rq(request: HotelSearchRQ, *, soap: bool = False) -> bytes:
    """Encode OTA_HotelSearchRQ (see the module note on where pagination goes)."""
    root = _root("OTA_HotelSearchRQ", request.echo_token, request.timestamp, request.version)
    if request.pagination_at_root:
        _write_pagination(root, request)
    else:
        _write_pagination(sub(sub(root, "Criteria"), "Criterion"), request)
    return to_bytes(root, soap=soap)


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
    root = _root("OTA_HotelSearchRS", response.echo_token, response.timestamp, response.version)
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


def decode_hotel_search_rs(data: bytes, *, limits: ParserLimits | None = None) -> HotelSearchRS:
    """Decode OTA_HotelSearchRS; every ``Property`` needs a ``HotelCode``."""
    document = parse_document(data, {"OTA_HotelSearchRS"}, limits=limits)
    root = document.root
    return HotelSearchRS(
        success=child(root, "Success") is not None and child(root, "Errors") is None,
        properties=tuple(
            PropertySummary(
                hotel_code=required_attr(element, "HotelCode"),
                hotel_name=attr(element, "HotelName"),
                currency_code=attr(element, "CurrencyCode"),
                chain_code=attr(element, "ChainCode"),
                city_code=attr(element, "HotelCityCode"),
            )
            for element in children(root, "Properties", "Property")
        ),
        warnings=read_issues(root, "Warnings", "Warning"),
        errors=read_issues(root, "Errors", "Error"),
        echo_token=attr(root, "EchoToken"),
        timestamp=datetime_attr(root, "TimeStamp"),
        version=attr(root, "Version") or "",
        ruid=document.ruid,
    )
