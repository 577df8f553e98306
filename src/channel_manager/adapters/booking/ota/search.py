"""Listing the hotels of an account: OTA_HotelSearchRQ / OTA_HotelSearchRS.

Pagination travels in ``TPA_Extensions/Pagination[@Page @PageSize]``. BOOKING_CONNECTIVITY.md
describes it at the root of a request "without Criteria", but the 2015B schema requires
``Criteria`` and allows no root ``TPA_Extensions``; by default we send the schema-valid form,
an empty ``Criterion`` (matches every hotel) carrying the extension. Which form Booking.com
prefers is unconfirmed, so :attr:`HotelSearchRQ.pagination_at_root` switches to the other.
The tests' decoder (``tests/support/ota_peer.py``) reads both.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import (
    message_root,
    sub,
    to_bytes,
)
from channel_manager.adapters.booking.ota.parser import ParserLimits, parse_document
from channel_manager.adapters.booking.ota.responses import OtaIssue, read_issues
from channel_manager.adapters.booking.ota.xmlread import (
    attr,
    child,
    children,
    datetime_attr,
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
    root = message_root("OTA_HotelSearchRQ", request.echo_token, request.timestamp, request.version)
    if request.pagination_at_root:
        _write_pagination(root, request)
    else:
        _write_pagination(sub(sub(root, "Criteria"), "Criterion"), request)
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
