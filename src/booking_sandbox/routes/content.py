"""Properties, rooms and rate plans, and ARI read-back.

- `POST /hotels/ota/OTA_HotelSearch`: OTA_HotelSearchRQ with optional
  `TPA_Extensions/Pagination[@Page @PageSize]` (defaults 1 and 100, PageSize at most 1000) ->
  `Properties/Property[@HotelCode @HotelName @CurrencyCode]`, only hotels the caller may see.
- `POST /hotels/xml/roomrates`: `<request><hotel_id>X</hotel_id></request>` ->
  `<roomrates><room id name max_persons><rates><rate id name/></rates></room></roomrates>`.
- `POST /hotels/xml/roomrateavailability`: `<request><hotel_id/><start_date/><end_date/></request>`
  (end inclusive, at most 366 days) -> `<roomrateavailability hotel_id currency><date value>
  <room id roomstosell><rate id price min_los max_los closed closed_to_arrival
  closed_to_departure/></room></date></roomrateavailability>`.
B.XML errors: `<errors><error code="...">text</error></errors>` with HTTP 400/403.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.model import Hotel, RateCell
from booking_sandbox.ota_responses import TYPE_BIZ_RULE, Issue, ota_error_document, ota_response
from booking_sandbox.responses import bxml_error, xml_response
from booking_sandbox.routes.common import principal, sandbox
from booking_sandbox.xml import descendants, local, parse, serialize, sub

_SEARCH_VERSION = "1.0"


async def hotel_search(request: Request) -> Response:
    """Paginated list of the caller's properties."""
    visible = sandbox(request).visible_hotel_codes(principal(request))
    root = parse(await request.body())
    now = sandbox(request).clock.now()
    if local(root) != "OTA_HotelSearchRQ":
        issue = Issue("1", "367", f"expected OTA_HotelSearchRQ, got {local(root)}")
        return xml_response(
            ota_error_document("OTA_HotelSearchRS", _SEARCH_VERSION, now, issue), 400
        )
    pagination = descendants(root, "Pagination")
    page_text = pagination[0].get("Page", "1") if pagination else "1"
    size_text = pagination[0].get("PageSize", "100") if pagination else "100"
    if not (page_text.isdigit() and size_text.isdigit()) or not (
        int(page_text) >= 1 and 1 <= int(size_text) <= 1000
    ):
        issue = Issue(TYPE_BIZ_RULE, "320", "Page must be >= 1 and PageSize 1-1000")
        return xml_response(
            ota_error_document("OTA_HotelSearchRS", _SEARCH_VERSION, now, issue), 400
        )
    page, size = int(page_text), int(size_text)
    chosen = visible[(page - 1) * size : page * size]
    answer = ota_response("OTA_HotelSearchRS", _SEARCH_VERSION, now)
    properties = sub(answer, "Properties")
    for code in chosen:
        hotel = sandbox(request).hotels[code]
        sub(
            properties,
            "Property",
            HotelCode=code,
            HotelName=hotel.name,
            CurrencyCode=hotel.currency,
        )
    return xml_response(serialize(answer))


def _bxml_hotel(request: Request, root: etree._Element) -> Hotel | Response:
    """The hotel named by `<hotel_id>`, or the B.XML error to answer."""
    ids = descendants(root, "hotel_id")
    code = (ids[0].text or "").strip() if ids else ""
    if not code:
        return bxml_error(400, 400, "hotel_id is required")
    hotel = sandbox(request).hotel(code)
    if hotel is None or code not in sandbox(request).visible_hotel_codes(principal(request)):
        return bxml_error(403, 403, f"access denied for hotel {code}")
    return hotel


async def room_rates(request: Request) -> Response:
    """Rooms and the rate plans sold on each."""
    principal(request)
    found = _bxml_hotel(request, parse(await request.body()))
    if isinstance(found, Response):
        return found
    root = etree.Element("roomrates")
    for room in found.rooms:
        room_element = etree.SubElement(
            root, "room", id=room.id, name=room.name, max_persons=str(room.max_persons)
        )
        rates = etree.SubElement(room_element, "rates")
        for rate_id in room.rate_plan_ids:
            plan = found.rate_plan(rate_id)
            etree.SubElement(rates, "rate", id=rate_id, name=plan.name if plan else rate_id)
    return xml_response(serialize(root))


async def room_rate_availability(request: Request) -> Response:
    """ARI as stored, per date, room and rate plan."""
    principal(request)
    root = parse(await request.body())
    found = _bxml_hotel(request, root)
    if isinstance(found, Response):
        return found
    try:
        start = dt.date.fromisoformat((descendants(root, "start_date")[0].text or "").strip())
        end = dt.date.fromisoformat((descendants(root, "end_date")[0].text or "").strip())
    except (IndexError, ValueError):
        return bxml_error(400, 400, "start_date and end_date (YYYY-MM-DD) are required")
    if end < start or (end - start).days > 365:
        return bxml_error(400, 400, "end_date must be within 366 days after start_date")
    state = sandbox(request)
    answer = etree.Element("roomrateavailability", hotel_id=found.code, currency=found.currency)
    day = start
    while day <= end:
        date_element = etree.SubElement(answer, "date", value=day.isoformat())
        for room in found.rooms:
            to_sell = str(state.availability.get((room.id, day), 0))
            room_element = etree.SubElement(date_element, "room", id=room.id, roomstosell=to_sell)
            for rate_id in room.rate_plan_ids:
                cell = state.cells.get((room.id, rate_id, day), RateCell())
                etree.SubElement(room_element, "rate", {"id": rate_id, **_cell_attributes(cell)})
        day += dt.timedelta(days=1)
    return xml_response(serialize(answer))


def _cell_attributes(cell: RateCell) -> dict[str, str]:
    values = {
        "price": "" if cell.price is None else str(cell.price),
        "min_los": "" if cell.min_los is None else str(cell.min_los),
        "max_los": "" if cell.max_los is None else str(cell.max_los),
        "closed": str(int(cell.closed)),
        "closed_to_arrival": str(int(cell.closed_to_arrival)),
        "closed_to_departure": str(int(cell.closed_to_departure)),
    }
    return {k: v for k, v in values.items() if v != ""}


ROUTES = [
    Route("/hotels/ota/OTA_HotelSearch", hotel_search, methods=["POST"]),
    Route("/hotels/xml/roomrates", room_rates, methods=["POST"]),
    Route("/hotels/xml/roomrateavailability", room_rate_availability, methods=["POST"]),
]
