"""iCal feeds of vacation-rental listings (Airbnb, Vrbo, Booking.com styles) and their controls.

| method | path | answer |
| --- | --- | --- |
| GET | `/ical/{listing_id}.ics` | the feed (`text/calendar`, ETag, Last-Modified, 304) |
| POST | `/_sandbox/ical/listings` `{style, name}` | 201 listing |
| GET | `/_sandbox/ical/listings` | `{listings: [listing]}` |
| GET | `/_sandbox/ical/listings/{id}` | listing |
| GET / POST | `.../{id}/events` `{kind, start, end, guest_name?}` | `{events}` / 201 event |
| PATCH / DELETE | `.../{id}/events/{event_id}` `{start, end}` | event / 204 |
| * | `.../{id}/faults`, `.../{id}/imports` | booking_sandbox.routes.ical_imports |

The controls also answer under `/sandbox/ical/...`. An Airbnb feed answers 403 to a request
without a User-Agent, as Airbnb does; faults are applied after that check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from booking_sandbox.ical import (
    EventKind,
    FeedCalendars,
    FeedEvent,
    FeedImport,
    FeedStyle,
    Listing,
    UnknownListingError,
    confirmation_code,
    event_uid,
    phone_last4,
    render_feed,
    summary,
)
from booking_sandbox.responses import json_response
from booking_sandbox.routes.common import BadRequestError, json_body, sandbox

CALENDAR_TYPE = "text/calendar; charset=utf-8"
_MALFORMED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2026"


def _calendars(request: Request) -> FeedCalendars:
    return sandbox(request).ical


def _listing(request: Request) -> Listing:
    return _calendars(request).listing(request.path_params["listing_id"])


def feed_url(request: Request, listing_id: str) -> str:
    """Where the listing's feed is served, on the host the caller used."""
    return f"{str(request.base_url).rstrip('/')}/ical/{listing_id}.ics"


def event_json(listing: Listing, event: FeedEvent) -> dict[str, Any]:
    """An event as the controls show it (its UID as the feed writes it when not re-issued)."""
    return {
        "event_id": event.id,
        "uid": event_uid(listing, event),
        "kind": event.kind.value,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "guest_name": event.guest_name,
        "summary": summary(listing, event),
        "confirmation_code": confirmation_code(listing, event),
        "phone_last4": phone_last4(listing, event),
    }


def import_json(feed: FeedImport | None) -> dict[str, Any] | None:
    """The imported feed's URL and what its last fetch found."""
    if feed is None:
        return None
    return {
        "url": feed.url,
        "status": feed.status,
        "error": feed.error,
        "fetched_at": None if feed.fetched_at is None else feed.fetched_at.isoformat(),
        "etag": feed.etag,
        "last_modified": feed.last_modified,
        "ranges": [
            {
                "uid": r.uid,
                "start": r.start.isoformat(),
                "end": r.end.isoformat(),
                "summary": r.summary,
            }
            for r in feed.ranges
        ],
    }


def listing_json(request: Request, listing: Listing) -> dict[str, Any]:
    """A listing with its feed URL, events and import."""
    events = sorted(listing.events.values(), key=lambda e: (e.start, e.serial))
    return {
        "listing_id": listing.id,
        "style": listing.style.value,
        "name": listing.name,
        "feed_url": feed_url(request, listing.id),
        "events": [event_json(listing, event) for event in events],
        "import": import_json(listing.feed_import),
    }


def _not_found(exc: UnknownListingError) -> Response:
    return json_response({"errors": [{"message": str(exc.args[0])}]}, 404)


def _dates(payload: dict[str, Any]) -> tuple[dt.date, dt.date]:
    try:
        start = dt.date.fromisoformat(str(payload["start"]))
        end = dt.date.fromisoformat(str(payload["end"]))
    except (KeyError, ValueError) as exc:
        raise BadRequestError("start and end (YYYY-MM-DD) are required") from exc
    if end <= start:
        raise BadRequestError("end (the check-out day) must be after start")
    return start, end


# -- the feed ----------------------------------------------------------------------------------
async def feed(request: Request) -> Response:
    """The listing's iCal feed in its platform's style, with the listing's faults applied."""
    state = sandbox(request)
    try:
        listing = _listing(request)
    except UnknownListingError:
        return Response("Not Found", 404, media_type="text/plain")
    if listing.style is FeedStyle.AIRBNB and not request.headers.get("user-agent"):
        return Response("Forbidden", 403, media_type="text/plain")
    fault = state.ical.take_fault(listing.id)
    kind = None if fault is None else fault.kind
    if fault is not None and kind == "slow":
        await asyncio.sleep(fault.seconds)
    if kind == "server_error":
        return Response("Internal Server Error", 500, media_type="text/plain")
    if kind == "redirect_loop":
        return RedirectResponse(str(request.url), 302)
    if kind == "malformed":
        return Response(_MALFORMED, 200, media_type=CALENDAR_TYPE)
    if fault is not None and kind == "huge":
        return StreamingResponse(_huge(fault.size), 200, media_type=CALENDAR_TYPE)
    today = state.clock.today()
    with state.ical.lock:
        body = render_feed(listing, today, with_events=kind != "empty")
        changed = listing.changed_at
    if listing.style is FeedStyle.AIRBNB:  # its feed changes at midnight too (past events go)
        changed = max(changed, dt.datetime.combine(today, dt.time(), dt.UTC))
    if kind == "empty":  # always delivered: a conditional GET must not hide the trap
        changed = state.clock.now()
    headers = {
        "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        "Last-Modified": format_datetime(changed.astimezone(dt.UTC), usegmt=True),
        "Cache-Control": "private, max-age=0",
    }
    if kind == "not_modified" or (
        kind != "empty" and _unchanged(request, headers["ETag"], changed)
    ):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers=headers, media_type=CALENDAR_TYPE)


def _unchanged(request: Request, etag: str, changed: dt.datetime) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and changed.replace(microsecond=0) <= when


async def _huge(size: int) -> AsyncIterator[bytes]:
    """A well-formed calendar of more than `size` bytes, in 64 KiB chunks."""
    yield b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//booking-sandbox//huge//EN\r\n"
    sent, number = 0, 0
    while sent <= size:
        chunk = b"".join(
            b"BEGIN:VEVENT\r\nUID:huge-%d@sandbox\r\nDTSTART;VALUE=DATE:20300101\r\n"
            b"DTEND;VALUE=DATE:20300102\r\nSUMMARY:Blocked\r\nEND:VEVENT\r\n" % (number + i)
            for i in range(500)
        )
        number += 500
        sent += len(chunk)
        yield chunk
    yield b"END:VCALENDAR\r\n"


# -- listings and events -----------------------------------------------------------------------
async def listings_add(request: Request) -> Response:
    """Body `{style: airbnb|vrbo|booking, name?}`: a new listing with an empty feed."""
    payload = await json_body(request)
    try:
        style = FeedStyle(str(payload.get("style")))
    except ValueError as exc:
        raise BadRequestError("style must be airbnb, vrbo or booking") from exc
    name = str(payload.get("name") or f"{style.value.title()} listing")
    listing = _calendars(request).add_listing(style, name)
    body = listing_json(request, listing)
    return json_response(body, 201)


async def listings_list(request: Request) -> Response:
    """Every listing."""
    listings = list(_calendars(request).listings.values())
    return json_response({"listings": [listing_json(request, item) for item in listings]})


async def listing_show(request: Request) -> Response:
    """One listing with its events and import."""
    try:
        return json_response(listing_json(request, _listing(request)))
    except UnknownListingError as exc:
        return _not_found(exc)


async def events_list(request: Request) -> Response:
    """The listing's events, past ones included."""
    try:
        return json_response({"events": listing_json(request, _listing(request))["events"]})
    except UnknownListingError as exc:
        return _not_found(exc)


async def events_add(request: Request) -> Response:
    """Body `{kind: stay|block, start, end, guest_name?}` (end: the check-out day)."""
    payload = await json_body(request)
    try:
        kind = EventKind(str(payload.get("kind")))
    except ValueError as exc:
        raise BadRequestError("kind must be stay or block") from exc
    start, end = _dates(payload)
    guest = payload.get("guest_name")
    try:
        listing = _listing(request)
        event = _calendars(request).add_event(
            listing.id, kind, start, end, None if guest is None else str(guest)
        )
    except UnknownListingError as exc:
        return _not_found(exc)
    return json_response(event_json(listing, event), 201)


async def event_move(request: Request) -> Response:
    """Body `{start, end}`: new dates (a Vrbo event gets a new UID)."""
    start, end = _dates(await json_body(request))
    try:
        listing = _listing(request)
        event = _calendars(request).move_event(
            listing.id, request.path_params["event_id"], start, end
        )
    except UnknownListingError as exc:
        return _not_found(exc)
    return json_response(event_json(listing, event))


async def event_remove(request: Request) -> Response:
    """Cancel the stay or lift the block."""
    try:
        listing = _listing(request)
        _calendars(request).remove_event(listing.id, request.path_params["event_id"])
    except UnknownListingError as exc:
        return _not_found(exc)
    return Response(status_code=204)


def control_routes(prefix: str) -> list[Route]:
    """The listing and event controls under `prefix` (``/_sandbox/ical`` or ``/sandbox/ical``)."""
    listing = f"{prefix}/listings/{{listing_id}}"
    return [
        Route(f"{prefix}/listings", listings_add, methods=["POST"]),
        Route(f"{prefix}/listings", listings_list, methods=["GET"]),
        Route(listing, listing_show, methods=["GET"]),
        Route(f"{listing}/events", events_list, methods=["GET"]),
        Route(f"{listing}/events", events_add, methods=["POST"]),
        Route(f"{listing}/events/{{event_id}}", event_move, methods=["PATCH"]),
        Route(f"{listing}/events/{{event_id}}", event_remove, methods=["DELETE"]),
    ]


ROUTES = [
    Route("/ical/{listing_id}.ics", feed, methods=["GET"]),
    *control_routes("/_sandbox/ical"),
    *control_routes("/sandbox/ical"),
]
