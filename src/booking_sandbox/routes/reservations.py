"""Reservation queues: GET/POST `/hotels/ota/OTA_HotelResNotif` and `OTA_HotelResModifyNotif`.

GET serves every pending message of the queue (optional `hotel_ids` comma list, `id`, `limit`
1-200); POST acknowledges with an RS holding `<Success/>` and `HotelReservationID/@ResID_Value`
(or rejects them with `<Errors>`). Refusals: 400 "transaction message of the wrong type", 400
unknown reservation, 403 hotel not accessible, 404 unknown `id` on GET.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.model import Hotel, MessageKind, Reservation
from booking_sandbox.ota_reservations import RES_NOTIF_VERSION, res_modify_notif_rq, res_notif_rq
from booking_sandbox.ota_responses import (
    TYPE_AUTHORIZATION,
    TYPE_BIZ_RULE,
    TYPE_REQUIRED_FIELD,
    Issue,
    ota_error_document,
    ota_response,
)
from booking_sandbox.queue import QueueError
from booking_sandbox.responses import xml_response
from booking_sandbox.routes.common import principal, sandbox
from booking_sandbox.xml import child, descendants, local, parse, serialize

_QUEUES = {"new": "OTA_HotelResNotif", "modify": "OTA_HotelResModifyNotif"}


def _error(queue: str, status: int, issue: Issue, request: Request) -> Response:
    now = sandbox(request).clock.now()
    return xml_response(
        ota_error_document(f"{_QUEUES[queue]}RS", RES_NOTIF_VERSION, now, issue), status
    )


def _fetch(queue: str) -> Callable[[Request], object]:
    async def fetch(request: Request) -> Response:
        """Pending messages of this queue, repeated until acknowledged."""
        state = sandbox(request)
        visible = state.visible_hotel_codes(principal(request))
        params = request.query_params
        hotels = visible
        if params.get("hotel_ids"):
            wanted = [h.strip() for h in params["hotel_ids"].split(",") if h.strip()]
            denied = [h for h in wanted if h not in visible]
            if denied:
                issue = Issue(TYPE_AUTHORIZATION, "403", f"access denied for hotel {denied[0]}")
                return _error(queue, 403, issue, request)
            hotels = wanted
        reservation_id = params.get("id")
        if reservation_id is not None and reservation_id not in state.reservations:
            issue = Issue(TYPE_BIZ_RULE, "404", f"reservation {reservation_id} not found")
            return _error(queue, 404, issue, request)
        limit_text = params.get("limit")
        if limit_text is not None and not (limit_text.isdigit() and 1 <= int(limit_text) <= 200):
            return _error(queue, 400, Issue(TYPE_BIZ_RULE, "320", "limit must be 1-200"), request)
        messages = state.queue.serve(
            queue, hotels, reservation_id, int(limit_text) if limit_text else None
        )
        items: list[tuple[MessageKind, Reservation]] = [(m.kind, m.snapshot) for m in messages]
        hotels_by_code: dict[str, Hotel] = state.hotels
        now = state.clock.now()
        if queue == "new":
            return xml_response(res_notif_rq(items, hotels_by_code, now))
        return xml_response(res_modify_notif_rq(items, hotels_by_code, now))

    return fetch


def _acknowledge(queue: str) -> Callable[[Request], object]:
    async def acknowledge(request: Request) -> Response:
        """Acknowledge (Success) or reject (Errors) the served messages by ResID_Value."""
        state = sandbox(request)
        visible = state.visible_hotel_codes(principal(request))
        root = parse(await request.body())
        expected = f"{_QUEUES[queue]}RS"
        if local(root) != expected:
            issue = Issue(TYPE_BIZ_RULE, "450", f"expected {expected}, got {local(root)}")
            return _error(queue, 400, issue, request)
        success, errors = child(root, "Success") is not None, child(root, "Errors") is not None
        if success == errors:
            issue = Issue(TYPE_REQUIRED_FIELD, "321", "exactly one of Success or Errors required")
            return _error(queue, 400, issue, request)
        ids = [
            e.get("ResID_Value", "")
            for e in descendants(root, "HotelReservationID")
            if e.get("ResID_Value")
        ]
        try:
            state.queue.acknowledge(queue, ids, visible, reject=errors)
        except QueueError as exc:
            kind = TYPE_AUTHORIZATION if exc.status == 403 else TYPE_BIZ_RULE
            return _error(queue, exc.status, Issue(kind, str(exc.status), exc.message), request)
        answer = ota_response(expected, RES_NOTIF_VERSION, state.clock.now())
        return xml_response(serialize(answer))

    return acknowledge


ROUTES = [
    Route(f"/hotels/ota/{name}", _fetch(queue), methods=["GET"]) for queue, name in _QUEUES.items()
] + [
    Route(f"/hotels/ota/{name}", _acknowledge(queue), methods=["POST"])
    for queue, name in _QUEUES.items()
]
