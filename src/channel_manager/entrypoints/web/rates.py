"""Rates and availability: a calendar grid per hotel (room types x dates), a form to change a
date range with a preview of the OTA messages, and the Push button.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post

from channel_manager.application.ari import AriService, rate_example
from channel_manager.application.mapping_views import HotelView
from channel_manager.application.mappings import MappingService
from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.inventory import local_today
from channel_manager.domain.money import decimals_rule
from channel_manager.entrypoints.web.ari_forms import (
    PreviewMessage,
    calendar_rows,
    days_from,
    parse_change,
    preview,
)
from channel_manager.entrypoints.web.common import (
    FormError,
    in_calendar,
    see_other,
)
from channel_manager.entrypoints.web.pickers import ConnectionPick, pick_connection, pick_hotel
from channel_manager.entrypoints.web.push_tracking import (
    STATES_PATH,
    TrackedPush,
    push_ids,
    push_states,
    summary,
    tracked_pushes,
)
from channel_manager.entrypoints.web.rendering import page

#: Dates shown at once; the grid scrolls sideways on narrow screens.
GRID_DAYS = 14
#: Pushes read to draw the grid (newest first, so the grid shows recent state).
GRID_PUSH_LOOKBACK = 500


def _rates_page(
    request: Request[Any, Any, Any],
    *,
    organization_id: UUID,
    connection: Connection | None,
    hotels: list[HotelView],
    hotel: HotelView | None,
    start: date,
    dispatcher: OutboundDispatcher,
    form: dict[str, str],
    error: str | None = None,
    previews: list[PreviewMessage] | None = None,
    pick: ConnectionPick | None = None,
    tracked: list[TrackedPush] | None = None,
) -> Response[str]:
    rows, rooms, plans, currency = [], [], [], None
    dates = days_from(start, GRID_DAYS)
    if connection is not None and hotel is not None:
        rooms = [(r.code, r.name or r.code) for r in hotel.room_types if r.mapped_unit_id]
        plans = [(p.code, p.name or p.code) for p in hotel.rate_plans if p.mapped_rate_plan_id]
        pushes = dispatcher.list(organization_id, connection.id, limit=GRID_PUSH_LOOKBACK)
        rows = calendar_rows(hotel.hotel_code, rooms, plans, dates, pushes)
        currency = _currency(hotel)
    base = {"connection_id": str(connection.id) if connection else ""}
    if hotel is not None:
        base["hotel"] = hotel.hotel_code
    step = timedelta(days=GRID_DAYS)
    return page(
        request,
        "rates.html",
        422 if error else 200,
        title="Rates & availability",
        nav="rates",
        connection=connection,
        pick=pick,
        hotels=hotels,
        hotel=hotel,
        rows=rows,
        rooms=rooms,
        plans=plans,
        dates=dates,
        currency=currency,
        form=form,
        error=error,
        previews=previews,
        rate_rule=decimals_rule(currency) if currency else "",
        rate_example=rate_example(currency) if currency else "",
        tracked=tracked or [],
        tracked_summary=summary(tracked) if tracked else "",
        states_url=STATES_PATH,
        earlier_url="?" + urlencode({**base, "start": str(start - step)}),
        later_url="?" + urlencode({**base, "start": str(start + step)}),
    )


def _currency(hotel: HotelView) -> str:
    """Rates are entered in our property's currency, which ``MappingService.mapped`` reports
    for every mapped hotel (as ``AriService`` uses it)."""
    if hotel.currency is None:
        raise NotFound("mapped hotel", hotel.hotel_code)
    return hotel.currency


def _pick_hotel(hotels: list[HotelView], code: str | None) -> HotelView | None:
    if code is None:
        return hotels[0] if hotels else None
    found = next((h for h in hotels if h.hotel_code == code), None)
    if found is None:
        raise NotFound("mapped hotel", code)
    return found


@get("/rates", include_in_schema=False)
async def rates_page(
    request: Request[Any, Any, Any],
    *,
    organization_id: UUID,
    queries: Queries,
    mappings: MappingService,
    dispatcher: OutboundDispatcher,
    now: datetime,
    connection_id: str | None = None,
    hotel: str | None = None,
    start: date | None = None,
    pushes: str | None = None,
) -> Response[str]:
    """The grid for one mapped hotel, starting today unless another start is asked for; the
    connection and hotel asked for are remembered, and shown again when none is asked for;
    ``pushes`` (the ids a push just queued) are followed to their outcome."""
    pick = await asyncio.to_thread(
        pick_connection, request, queries, organization_id, connection_id
    )
    connection = pick.connection
    hotels = (
        await asyncio.to_thread(mappings.mapped, organization_id, connection.id)
        if connection and connection.is_active
        else []
    )
    code = pick_hotel(request, connection, [h.hotel_code for h in hotels], hotel)
    picked = next((h for h in hotels if h.hotel_code == code), None)
    first = in_calendar(start, "Start date") or _today(picked, now)
    defaults = {"start": str(first), "end": str(first + timedelta(days=6))}
    followed = push_ids(pushes)
    tracked = (
        await asyncio.to_thread(tracked_pushes, dispatcher, organization_id, followed)
        if followed
        else None
    )
    return await asyncio.to_thread(  # the grid reads pushes and units from the database
        _rates_page,
        request,
        organization_id=organization_id,
        connection=connection,
        hotels=hotels,
        hotel=picked,
        start=first,
        dispatcher=dispatcher,
        form=defaults,
        pick=pick,
        tracked=tracked,
    )


@post("/connections/{connection_id:uuid}/rates", include_in_schema=False)
async def change_rates(
    request: Request[Any, Any, Any],
    *,
    organization_id: UUID,
    connection_id: UUID,
    queries: Queries,
    mappings: MappingService,
    dispatcher: OutboundDispatcher,
    ari: AriService,
    now: datetime,
) -> Response[Any]:
    """``action=preview`` shows the OTA messages; ``action=push`` queues them."""
    connection = await asyncio.to_thread(queries.connection, organization_id, connection_id)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    hotels = await asyncio.to_thread(mappings.mapped, organization_id, connection.id)
    hotel = _pick_hotel(hotels, form.get("hotel") or None)
    if hotel is None:
        raise NotFound("mapped hotel", form.get("hotel", ""))
    start = _grid_start(form, _today(hotel, now))
    error: str | None = None
    previews: list[PreviewMessage] | None = None
    try:
        change = parse_change(form, hotel.hotel_code)
        # The checks a push makes, on its own code path: a preview never shows what a push
        # would refuse, and both refuse with the same message.
        previews = preview(ari.preview(change, _currency(hotel)))
        if form.get("action") == "push":
            queued = await asyncio.to_thread(ari.submit, organization_id, connection.id, [change])
            # Back to the grid, which follows these pushes until Booking.com has answered.
            followed = {
                "connection_id": str(connection.id),
                "hotel": hotel.hotel_code,
                "start": str(start),
                "pushes": ",".join(str(message.id) for message in queued),
            }
            return see_other("/rates?" + urlencode(followed))
    except DomainError as failure:
        error = str(failure)
    return await asyncio.to_thread(
        _rates_page,
        request,
        organization_id=organization_id,
        connection=connection,
        hotels=hotels,
        hotel=hotel,
        start=start,
        dispatcher=dispatcher,
        form=form,
        error=error,
        previews=previews,
    )


def _today(hotel: HotelView | None, now: datetime) -> date:
    """The hotel's own date (our property's time zone), else the UTC date."""
    return local_today(now, hotel.timezone if hotel else "UTC")


def _grid_start(form: dict[str, str], today: date) -> date:
    """The grid starts at the change's start date when it is a valid date, else today."""
    try:
        return in_calendar(date.fromisoformat(form.get("start", "")), "Start date") or today
    except (ValueError, FormError):
        return today


RATES_HANDLERS = (rates_page, change_rates, push_states)
