"""Booking.com's B.XML ``roomrates`` call: the rooms and rate plans of one hotel.

Request ``<request><hotel_id>123</hotel_id></request>``; response
``<roomrates><room id name max_persons?><rates><rate id name/></rates></room>...</roomrates>``.
B.XML has no namespace and no published schema; this shape is our best knowledge
(BOOKING_CONNECTIVITY.md section 5), kept in this module (Booking.com's side, which only
tests need, in ``tests/support/ota_peer.py``).
A B.XML error answer is ``<errors><error code? >text</error></errors>`` or a ``fault``.
"""

from __future__ import annotations

import attrs
from lxml import etree

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.parser import ParserLimits, parse_document


@attrs.frozen(kw_only=True)
class RoomRatesRequest:
    """``<request><hotel_id>``."""

    hotel_id: str


@attrs.frozen(kw_only=True)
class RatePlanEntry:
    """A ``rate`` of a room."""

    id: str
    name: str | None = None


@attrs.frozen(kw_only=True)
class RoomEntry:
    """A ``room`` with the rate plans sold on it."""

    id: str
    name: str | None = None
    max_persons: int | None = None
    rates: tuple[RatePlanEntry, ...] = ()


@attrs.frozen(kw_only=True)
class RoomRatesResponse:
    """``<roomrates>``: every room of the hotel."""

    rooms: tuple[RoomEntry, ...] = ()
    ruid: str | None = None


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def encode_roomrates_request(request: RoomRatesRequest) -> bytes:
    """Encode the request body."""
    root = etree.Element("request")
    etree.SubElement(root, "hotel_id").text = request.hotel_id
    return _serialise(root)


def _required(element: etree._Element, name: str) -> str:
    value = (element.get(name) or "").strip()
    if not value:
        raise OtaParseError(
            OtaErrorCode.REQUIRED_FIELD_MISSING, f"{element.tag}/@{name} is required"
        )
    return value


def _optional(element: etree._Element, name: str) -> str | None:
    return (element.get(name) or "").strip() or None


def _max_persons(room: etree._Element) -> int | None:
    value = _optional(room, "max_persons")
    if value is None:
        return None
    if not value.isdigit():
        raise OtaParseError(
            OtaErrorCode.INVALID_VALUE, f"room/@max_persons must be a number, got {value!r}"
        )
    return int(value)


def decode_roomrates_response(
    data: bytes, *, limits: ParserLimits | None = None
) -> RoomRatesResponse:
    """Decode the response; an ``errors`` or ``fault`` answer raises :class:`OtaParseError`."""
    document = parse_document(data, {"roomrates", "errors", "fault"}, limits=limits, namespace=None)
    root = document.root
    if root.tag != "roomrates":
        detail = " ".join(part.strip() for part in root.itertext() if isinstance(part, str))
        raise OtaParseError(
            OtaErrorCode.UNABLE_TO_PROCESS, f"roomrates failed: {detail.strip() or root.tag}"
        )
    rooms = tuple(
        RoomEntry(
            id=_required(room, "id"),
            name=_optional(room, "name"),
            max_persons=_max_persons(room),
            rates=tuple(
                RatePlanEntry(id=_required(rate, "id"), name=_optional(rate, "name"))
                for rate in room.iterfind("rates/rate")
            ),
        )
        for room in root.iterfind("room")
    )
    return RoomRatesResponse(rooms=rooms, ruid=document.ruid)
