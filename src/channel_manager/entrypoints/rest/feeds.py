"""Calendar feeds over HTTP (issue 16): connecting one (``POST /api/v1/connections``),
rotating its export URL, the overbooking alerts, and the public export a consumer fetches
(``GET /ical/{token}.ics``). Thin: parse, call one use case, render.

The export is public (whoever holds the URL reads it, as with Airbnb's own): no key, no
session, an ``ETag`` so the consumer's fetches every few hours are cheap, and nothing told
to a wrong token but 404.

Unknown tokens are deliberately *not* counted in the failure throttle that locks out wrong API
keys: a token carries 256 random bits (guessing is hopeless, throttled or not), while the
consumers fetch from a few shared addresses (Airbnb's fetchers fetch every host's calendars)
and keep fetching URLs that were rotated away. Counting those 404s would lock every calendar
out of Airbnb once a few stale URLs piled up.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from channel_manager.application.feeds import EXPORT_PATH, MAX_NAME, ExportedFeed, FeedService
from channel_manager.application.overbookings import Overbooking, OverbookingQuery
from channel_manager.application.queries import Queries
from channel_manager.domain.errors import NotFound
from channel_manager.entrypoints.rest.errors import error_responses as errors
from channel_manager.entrypoints.rest.views import ConnectionView

#: An export's last path segment: the token (``secrets.token_urlsafe``) and ``.ics``.
_EXPORT_NAME = re.compile(r"([A-Za-z0-9_-]{20,128})\.ics")
#: Consumers revalidate every time (cheap with the ETag); nothing shared may keep a copy.
EXPORT_CACHE_CONTROL = "private, no-cache"
#: The longest import URL taken (browsers' practical limit).
MAX_URL = 2048

_Channel = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
_Name = Annotated[str, msgspec.Meta(max_length=MAX_NAME * 2)]
_Url = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_URL)]


class ConnectCalendarBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /connections``: a calendar URL of another platform (Airbnb, Vrbo,
    ...) for one of our units. ``end_is_last_night``: the other side's end date is the last
    night, not the check-out day."""

    channel: _Channel
    name: _Name
    unit_id: UUID
    import_url: _Url
    end_is_last_night: bool = False


class FeedConnectionsController(Controller):
    """Calendar feed connections: connect one, rotate its export URL."""

    path = "/connections"
    tags = ("connections",)

    @post("/", status_code=HTTP_201_CREATED, responses=errors(404, 413, 422))
    async def connect_calendar(
        self,
        organization_id: UUID,
        data: ConnectCalendarBody,
        feeds: FeedService,
        queries: Queries,
    ) -> ConnectionView:
        """Connect another platform's calendar (``channel`` ``ical``) to one of our units: its
        URL is sealed (shown again as ``scheme://host/…`` only), its events are fetched from
        now on, and the answer's ``export_url`` is the calendar of this unit to give that
        platform in return."""
        made = await asyncio.to_thread(
            feeds.connect,
            organization_id,
            channel=data.channel,
            name=data.name,
            unit_id=data.unit_id,
            import_url=data.import_url,
            end_is_last_night=data.end_is_last_night,
        )
        health = await asyncio.to_thread(queries.health, organization_id, made.connection.id)
        return ConnectionView.of(health, made)

    @post(
        "/{connection_id:uuid}/export-token",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
        responses=errors(404),
    )
    def rotate_export_token(
        self, organization_id: UUID, connection_id: UUID, feeds: FeedService, queries: Queries
    ) -> ConnectionView:
        """Give a calendar connection a new export URL (in ``export_url``): the old one answers
        404 from now on."""
        made = feeds.rotate_export(organization_id, connection_id)
        return ConnectionView.of(queries.health(organization_id, connection_id), made)


class OverbookingsController(Controller):
    """Nights on which more rooms of a unit are booked than it has, across channels."""

    path = "/overbookings"
    tags = ("reservations",)

    @get("/", sync_to_thread=True, responses=errors(404))
    def list_overbookings(
        self,
        organization_id: UUID,
        overbookings: OverbookingQuery,
        unit_id: Annotated[
            UUID | None, QueryParameter(description="Only this unit of ours.")
        ] = None,
        start: Annotated[
            date | None,
            QueryParameter(description="First night (YYYY-MM-DD); each property's today."),
        ] = None,
    ) -> list[Overbooking]:
        """Overbooked nights (two years from ``start``), by property, unit and night, with the
        clashing reservations of every channel."""
        return overbookings.list(organization_id, unit_id=unit_id, start=start)


FEED_CONTROLLERS = (FeedConnectionsController, OverbookingsController)


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _export(feeds: FeedService, filename: str) -> ExportedFeed | None:
    """The export of ``filename``'s token; ``None`` for a malformed or unknown one."""
    found = _EXPORT_NAME.fullmatch(filename)
    if found is None:
        return None
    try:
        return feeds.export(found.group(1))
    except NotFound:
        return None


@get(
    EXPORT_PATH.replace("{token}.ics", "{filename:str}"),
    sync_to_thread=True,
    tags=["calendar feeds"],
    security=[],
    summary="A unit's calendar export (public, by its secret URL)",
    media_type="text/calendar",
    responses={
        304: ResponseSpec(None, description="Not modified: If-None-Match names the ETag"),
        404: ResponseSpec(None, description="No such calendar (nothing more is said)"),
    },
)
def calendar_export(
    request: Request[Any, Any, Any],
    filename: str,
    feeds: FeedService,
) -> Response[bytes]:
    """The nights this calendar's unit is not available (every other channel's bookings and
    blocks, our closures), as ``text/calendar`` with an ``ETag``; 304 when ``If-None-Match``
    names it; 404 for anything else."""
    exported = _export(feeds, filename)
    if exported is None:
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    headers = {
        "ETag": exported.etag,
        "Cache-Control": EXPORT_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if _matches(request.headers.get("if-none-match", ""), exported.etag):
        return Response(b"", status_code=304, headers=headers)
    # As the writer says it (Litestar would add a second charset to a text/* media type).
    return Response(exported.body, headers={**headers, "Content-Type": exported.media_type})
