"""Faults of a listing's feed, and the feed a listing imports (our export, fetched like Airbnb).

| method | path | answer |
| --- | --- | --- |
| GET | `/_sandbox/ical/listings/{id}/faults` | `{faults: [{kind, times, seconds, size}]}` |
| POST | `/_sandbox/ical/listings/{id}/faults` `{kind, times?, seconds?, size?}` | 201 `{fault}` |
| DELETE | `/_sandbox/ical/listings/{id}/faults` | 204: the feed is served normally |
| GET | `/_sandbox/ical/listings/{id}/imports` | the import (404 when none) |
| POST | `/_sandbox/ical/listings/{id}/imports` `{url}` | 201 the import (not fetched yet) |
| DELETE | `/_sandbox/ical/listings/{id}/imports` | 204: import nothing |
| POST | `/_sandbox/ical/listings/{id}/imports/fetch` | the import after fetching it now; 502 when
the fetch failed (then `error` says why and `ranges` are those of the last good fetch) |

Fault kinds: `slow` (answer after `seconds`, default `SandboxConfig.ical_slow_seconds`),
`server_error` (500), `not_modified` (304 whatever the request), `malformed` (200 with a
truncated calendar), `huge` (200 streaming more than `size` bytes, default 12 MiB),
`redirect_loop` (302 to the same URL), `empty` (a valid calendar without events). A fault fires
for the next `times` feed requests, or until cleared when `times` is left out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.ical import FeedFault, FeedImport, UnknownListingError
from booking_sandbox.ical_fetch import fetch_listing
from booking_sandbox.responses import json_response
from booking_sandbox.routes.common import BadRequestError, json_body, sandbox
from booking_sandbox.routes.ical import import_json


def _not_found(exc: LookupError) -> Response:
    return json_response({"errors": [{"message": str(exc.args[0])}]}, 404)


async def faults_list(request: Request) -> Response:
    """The listing's active faults, the next to fire first."""
    calendars = sandbox(request).ical
    listing_id = request.path_params["listing_id"]
    try:
        calendars.listing(listing_id)
    except UnknownListingError as exc:
        return _not_found(exc)
    with calendars.lock:
        faults = [attrs.asdict(fault) for fault in calendars.faults.get(listing_id, [])]
    return json_response({"faults": faults})


async def faults_add(request: Request) -> Response:
    """Body `{kind, times?, seconds?, size?}`."""
    payload = await json_body(request)
    allowed = {"kind", "times", "seconds", "size"}
    if "kind" not in payload or payload.keys() - allowed:
        raise BadRequestError(f"fields: kind and optionally {sorted(allowed - {'kind'})}")
    state = sandbox(request)
    try:
        fault = FeedFault(
            kind=str(payload["kind"]),
            times=None if payload.get("times") is None else int(payload["times"]),
            seconds=float(payload.get("seconds", state.config.ical_slow_seconds)),
            size=int(payload.get("size", 12 * 1024 * 1024)),
        )
        state.ical.add_fault(request.path_params["listing_id"], fault)
    except UnknownListingError as exc:
        return _not_found(exc)
    except (TypeError, ValueError) as exc:
        raise BadRequestError(str(exc)) from exc
    return json_response({"fault": attrs.asdict(fault)}, 201)


async def faults_clear(request: Request) -> Response:
    """Serve the feed normally again."""
    sandbox(request).ical.clear_faults(request.path_params["listing_id"])
    return Response(status_code=204)


async def import_show(request: Request) -> Response:
    """The import URL, the last fetch's time and status, and the busy ranges it found."""
    try:
        feed = sandbox(request).ical.listing(request.path_params["listing_id"]).feed_import
    except UnknownListingError as exc:
        return _not_found(exc)
    if feed is None:
        return json_response({"errors": [{"message": "the listing imports nothing"}]}, 404)
    return json_response(import_json(feed))


async def import_set(request: Request) -> Response:
    """Body `{url}` (http or https): the feed this listing imports from now on."""
    url = (await json_body(request)).get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}:
        raise BadRequestError("url must be an http(s) URL")
    calendars = sandbox(request).ical
    try:
        with calendars.lock:
            listing = calendars.listing(request.path_params["listing_id"])
            listing.feed_import = FeedImport(url)
    except UnknownListingError as exc:
        return _not_found(exc)
    return json_response(import_json(listing.feed_import), 201)


async def import_clear(request: Request) -> Response:
    """Import nothing any more."""
    calendars = sandbox(request).ical
    try:
        with calendars.lock:
            calendars.listing(request.path_params["listing_id"]).feed_import = None
    except UnknownListingError as exc:
        return _not_found(exc)
    return Response(status_code=204)


async def import_fetch(request: Request) -> Response:
    """Fetch the import now (conditional GET); 502 when it failed."""
    try:
        outcome = await fetch_listing(sandbox(request).ical, request.path_params["listing_id"])
    except LookupError as exc:
        return _not_found(exc)
    body: dict[str, Any] | None = import_json(outcome)
    return json_response(body, 502 if outcome.error else 200)


def control_routes(prefix: str) -> list[Route]:
    """The fault and import controls under `prefix`."""
    listing = f"{prefix}/listings/{{listing_id}}"
    return [
        Route(f"{listing}/faults", faults_list, methods=["GET"]),
        Route(f"{listing}/faults", faults_add, methods=["POST"]),
        Route(f"{listing}/faults", faults_clear, methods=["DELETE"]),
        Route(f"{listing}/imports", import_show, methods=["GET"]),
        Route(f"{listing}/imports", import_set, methods=["POST"]),
        Route(f"{listing}/imports", import_clear, methods=["DELETE"]),
        Route(f"{listing}/imports/fetch", import_fetch, methods=["POST"]),
    ]


ROUTES = [*control_routes("/_sandbox/ical"), *control_routes("/sandbox/ical")]
