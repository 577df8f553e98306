"""Test and demo controls under `/_sandbox/` (no auth: the sandbox listens on loopback)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.faults import FaultInjector, UnknownFaultError
from booking_sandbox.generator import GenerationError
from booking_sandbox.model import MessageKind, Reservation
from booking_sandbox.push import PushDispatcher, PushNotConfiguredError
from booking_sandbox.responses import json_response
from booking_sandbox.routes.common import BadRequestError, json_body, sandbox


def reservation_summary(reservation: Reservation) -> dict[str, Any]:
    """The reservation as JSON (no card data)."""
    return {
        "id": reservation.id,
        "hotel_code": reservation.hotel_code,
        "status": reservation.status.value,
        "revision": reservation.revision,
        "currency": reservation.currency,
        "total": str(reservation.total),
        "booker": f"{reservation.booker.given_name} {reservation.booker.surname}",
        "stays": [
            {
                "room_id": s.room_id,
                "rate_plan_id": s.rate_plan_id,
                "arrival": s.arrival.isoformat(),
                "departure": s.departure.isoformat(),
                "guest_count": s.guest_count,
                "nightly_prices": [str(p) for p in s.nightly_prices],
            }
            for s in reservation.stays
        ],
    }


def _faults(request: Request) -> FaultInjector:
    faults: FaultInjector = request.app.state.faults
    return faults


def _dispatcher(request: Request) -> PushDispatcher:
    dispatcher: PushDispatcher = request.app.state.push
    return dispatcher


async def faults_list(request: Request) -> Response:
    """Active fault rules."""
    return json_response({"rules": _faults(request).rules})


async def faults_add(request: Request) -> Response:
    """Body: `{endpoint, kind, count?, fraction?, status?, retry_after?, delay?}`."""
    payload = await json_body(request)
    allowed = {"endpoint", "kind", "count", "fraction", "status", "retry_after", "delay"}
    if not {"endpoint", "kind"} <= payload.keys() or payload.keys() - allowed:
        raise BadRequestError(f"fields: endpoint, kind and optionally {sorted(allowed)}")
    try:
        rule = _faults(request).inject(**payload)
    except (UnknownFaultError, TypeError) as exc:
        raise BadRequestError(str(exc)) from exc
    return json_response({"rule": attrs.asdict(rule)}, 201)


async def faults_clear(request: Request) -> Response:
    """Remove every fault rule."""
    _faults(request).clear()
    return Response(status_code=204)


async def requests_list(request: Request) -> Response:
    """Recorded requests, optionally `?path=` (exact) filtered."""
    wanted = request.query_params.get("path")
    rows = [
        {**attrs.asdict(r), "at": r.at.isoformat()}
        for r in list(sandbox(request).requests)
        if wanted is None or r.path == wanted
    ]
    return json_response({"requests": rows})


async def requests_clear(request: Request) -> Response:
    """Forget recorded requests."""
    with sandbox(request).lock:
        sandbox(request).requests.clear()
    return Response(status_code=204)


async def generate(request: Request) -> Response:
    """Body `{kind: new|modify|cancel, hotel_code?, reservation_id?}`; pushes if a target is set.

    A new booking may also name its room and stay (`room_id`, `arrival`, `departure`, ISO
    dates): it is then one room on exactly those nights, refused (409) when it is not free.
    """
    payload = await json_body(request)
    try:
        kind = MessageKind(payload.get("kind", "new"))
    except ValueError as exc:
        raise BadRequestError("kind must be new, modify or cancel") from exc
    stay: tuple[str, dt.date, dt.date] | None = None
    if payload.get("room_id") is not None:
        try:
            stay = (
                str(payload["room_id"]),
                dt.date.fromisoformat(str(payload["arrival"])),
                dt.date.fromisoformat(str(payload["departure"])),
            )
        except (KeyError, ValueError) as exc:
            raise BadRequestError("room_id needs arrival and departure as ISO dates") from exc
    try:
        reservation = sandbox(request).generate(
            kind.value, payload.get("hotel_code"), payload.get("reservation_id"), stay=stay
        )
    except GenerationError as exc:
        return json_response({"errors": [{"message": str(exc)}]}, 409)
    pushed = None
    if sandbox(request).push_target is not None:
        pushed = await _dispatcher(request).push(kind, reservation)
    return json_response({"reservation": reservation_summary(reservation), "push": pushed}, 201)


async def reservations_list(request: Request) -> Response:
    """Every reservation the sandbox holds."""
    reservations = list(sandbox(request).reservations.values())
    return json_response({"reservations": [reservation_summary(r) for r in reservations]})


async def push_target_set(request: Request) -> Response:
    """Body `{url, username, password}`."""
    payload = await json_body(request)
    if not isinstance(payload.get("url"), str):
        raise BadRequestError("url is required")
    sandbox(request).push_target = {
        "url": payload["url"],
        "username": str(payload.get("username", "")),
        "password": str(payload.get("password", "")),
    }
    return json_response({"url": payload["url"]})


async def push_target_clear(request: Request) -> Response:
    """Stop pushing."""
    sandbox(request).push_target = None
    return Response(status_code=204)


async def push_now(request: Request) -> Response:
    """Body `{kind, reservation_id?}`: push that reservation, or a freshly generated event."""
    payload = await json_body(request)
    state = sandbox(request)
    try:
        kind = MessageKind(payload.get("kind", "new"))
    except ValueError as exc:
        raise BadRequestError("kind must be new, modify or cancel") from exc
    reservation_id = payload.get("reservation_id")
    try:
        if reservation_id is not None:
            reservation = state.reservations[str(reservation_id)]
        else:
            reservation = state.generate(kind.value, payload.get("hotel_code"))
        first = await _dispatcher(request).push(kind, reservation)
    except KeyError:
        return json_response({"errors": [{"message": f"no reservation {reservation_id}"}]}, 404)
    except (PushNotConfiguredError, GenerationError) as exc:
        return json_response({"errors": [{"message": str(exc)}]}, 409)
    return json_response({"reservation": reservation_summary(reservation), "attempt": first})


async def push_log(request: Request) -> Response:
    """Every delivery attempt so far."""
    return json_response({"attempts": list(sandbox(request).push_log)})


async def ari_debug(request: Request) -> Response:
    """Per room/rate/date ARI, `?from=&to=` (inclusive; default: today only)."""
    state = sandbox(request)
    hotel = state.hotel(request.path_params["hotel_code"])
    if hotel is None:
        return json_response({"errors": [{"message": "unknown hotel"}]}, 404)
    try:
        start = dt.date.fromisoformat(
            request.query_params.get("from", state.clock.today().isoformat())
        )
        end = dt.date.fromisoformat(request.query_params.get("to", start.isoformat()))
    except ValueError as exc:
        raise BadRequestError("from and to must be YYYY-MM-DD") from exc
    if end < start or (end - start).days > 400:
        raise BadRequestError("to must be within 400 days after from")
    return json_response({"hotel_code": hotel.code, "rows": state.ari_snapshot(hotel, start, end)})


async def hotels_list(request: Request) -> Response:
    """Hotels with rooms, rate plans and connection status."""
    state = sandbox(request)
    return json_response(
        {
            "hotels": [
                {
                    "code": h.code,
                    "name": h.name,
                    "currency": h.currency,
                    "connection": state.connections[h.code].status.value,
                    "rate_plans": [{"id": r.id, "name": r.name} for r in h.rate_plans],
                    "rooms": [
                        {"id": r.id, "name": r.name, "rate_plan_ids": list(r.rate_plan_ids)}
                        for r in h.rooms
                    ],
                }
                for h in state.hotels.values()
            ]
        }
    )


async def clock_advance(request: Request) -> Response:
    """Body `{seconds}`: move the sandbox clock forward (expire tokens without waiting)."""
    payload = await json_body(request)
    seconds = payload.get("seconds")
    if not isinstance(seconds, int | float) or seconds < 0:
        raise BadRequestError("seconds must be a non-negative number")
    sandbox(request).clock.advance(float(seconds))
    return json_response({"now": sandbox(request).clock.now().isoformat()})


ROUTES = [
    Route("/_sandbox/faults", faults_list, methods=["GET"]),
    Route("/_sandbox/faults", faults_add, methods=["POST"]),
    Route("/_sandbox/faults", faults_clear, methods=["DELETE"]),
    Route("/_sandbox/requests", requests_list, methods=["GET"]),
    Route("/_sandbox/requests", requests_clear, methods=["DELETE"]),
    Route("/_sandbox/reservations", reservations_list, methods=["GET"]),
    Route("/_sandbox/reservations/generate", generate, methods=["POST"]),
    Route("/_sandbox/push-target", push_target_set, methods=["POST"]),
    Route("/_sandbox/push-target", push_target_clear, methods=["DELETE"]),
    Route("/_sandbox/push", push_now, methods=["POST"]),
    Route("/_sandbox/push-log", push_log, methods=["GET"]),
    Route("/_sandbox/ari/{hotel_code}", ari_debug, methods=["GET"]),
    Route("/_sandbox/hotels", hotels_list, methods=["GET"]),
    Route("/_sandbox/clock", clock_advance, methods=["POST"]),
]
