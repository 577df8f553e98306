"""Rates and availability: our calendar for one hotel's property, a month at a time from any
first day (units and rate plans x nights, with per connection marks: delivered, queued,
failed), a form to change a date range with a preview of the OTA messages, and the Push
button.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post

from channel_manager.application.ari import AriService, rate_example
from channel_manager.application.calendar import CalendarService
from channel_manager.application.connection_rules import ConnectionRulesService
from channel_manager.application.mapping_views import HotelView
from channel_manager.application.mappings import MappingService
from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.application.queries import Queries
from channel_manager.domain.ari import dates_between
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.inventory import local_today
from channel_manager.domain.money import decimals_rule
from channel_manager.entrypoints.web.ari_forms import PreviewMessage, parse_change, preview
from channel_manager.entrypoints.web.common import (
    FIRST_DATE,
    LAST_DATE,
    FormError,
    in_calendar,
    see_other,
)
from channel_manager.entrypoints.web.pickers import (
    ConnectionPick,
    connection_choices,
    pick_connection,
    pick_hotel,
)
from channel_manager.entrypoints.web.push_tracking import (
    STATES_PATH,
    TrackedPush,
    push_ids,
    push_states,
    summary,
    tracked_pushes,
)
from channel_manager.entrypoints.web.rates_grid import (
    GridRow,
    grid_rows,
    month_choices,
    next_month,
    parse_month,
    previous_month,
    window_end,
)
from channel_manager.entrypoints.web.rendering import page


def _rates_page(
    request: Request[Any, Any, Any],
    *,
    organization_id: UUID,
    connection: Connection | None,
    hotels: list[HotelView],
    hotel: HotelView | None,
    start: date,
    today: date,
    calendar: CalendarService,
    queries: Queries,
    form: dict[str, str],
    error: str | None = None,
    previews: list[PreviewMessage] | None = None,
    pick: ConnectionPick | None = None,
    tracked: list[TrackedPush] | None = None,
) -> Response[str]:
    rows: list[GridRow] = []
    rooms: list[tuple[str, str]] = []
    plans: list[tuple[str, str]] = []
    currency = None
    end = window_end(start)
    if connection is not None and hotel is not None:
        rooms = [(r.code, r.name or r.code) for r in hotel.room_types if r.mapped_unit_id]
        plans = [(p.code, p.name or p.code) for p in hotel.rate_plans if p.mapped_rate_plan_id]
        currency = _currency(hotel)
        rows = _grid(
            calendar, organization_id, hotel, start, end, _labels(queries, organization_id, pick)
        )
    base = {"connection_id": str(connection.id) if connection else ""}
    if hotel is not None:
        base["hotel"] = hotel.hotel_code
    earlier, later = previous_month(start), next_month(start)
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
        dates=list(dates_between(start, end)),
        currency=currency,
        form=form,
        error=error,
        previews=previews,
        rate_rule=decimals_rule(currency) if currency else "",
        rate_example=rate_example(currency) if currency else "",
        tracked=tracked or [],
        tracked_summary=summary(tracked) if tracked else "",
        states_url=STATES_PATH,
        months=month_choices(today, start),
        shown_month=f"{start:%Y-%m}",
        earlier_label=f"{earlier:%B %Y}",
        later_label=f"{later:%B %Y}",
        # No link past the dates a form may name (FIRST_DATE..LAST_DATE).
        earlier_url=(
            "?" + urlencode({**base, "month": f"{earlier:%Y-%m}"})
            if earlier >= FIRST_DATE
            else None
        ),
        later_url="?" + urlencode({**base, "month": f"{later:%Y-%m}"})
        if later <= LAST_DATE
        else None,
    )


def _grid(
    calendar: CalendarService,
    organization_id: UUID,
    hotel: HotelView,
    start: date,
    end: date,
    labels: Mapping[UUID, str],
) -> list[GridRow]:
    """The rows of our calendar for the hotel's property over ``start..end``."""
    if hotel.internal_property_id is None:
        raise NotFound("mapped hotel", hotel.hotel_code)
    reading = calendar.read_with_pushes(organization_id, hotel.internal_property_id, start, end)
    return grid_rows(reading, hotel, labels)


def _labels(
    queries: Queries, organization_id: UUID, pick: ConnectionPick | None
) -> dict[UUID, str]:
    """How the marks name each of the organisation's connections (the pickers' labels)."""
    choices = pick.choices if pick is not None else connection_choices(queries, organization_id)
    return {choice.id: choice.label for choice in choices}


def _sent_rates(connection: Connection) -> bool:
    """Whether a connection is sent our rates: a calendar feed (iCal) is not, the other side
    fetches our export instead; its marks still show on the grid."""
    return connection.auth_mode is not AuthMode.FEED_URL


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
    calendar: CalendarService,
    now: datetime,
    connection_id: str | None = None,
    hotel: str | None = None,
    start: date | None = None,
    month: str | None = None,
    pushes: str | None = None,
) -> Response[str]:
    """Our calendar for one mapped hotel's property, a month from today unless a ``month``
    (``YYYY-MM``, shown whole) or another first day (``start``) is asked for; the connection
    and hotel asked for are remembered, and shown again when none is asked for; ``pushes``
    (the ids a push just queued) are followed to their outcome."""
    pick = await asyncio.to_thread(
        pick_connection,
        request,
        queries,
        organization_id,
        connection_id,
        offered=_sent_rates,
    )
    connection = pick.connection
    hotels = (
        await asyncio.to_thread(mappings.mapped, organization_id, connection.id)
        if connection and connection.is_active
        else []
    )
    code = pick_hotel(request, connection, [h.hotel_code for h in hotels], hotel)
    picked = next((h for h in hotels if h.hotel_code == code), None)
    today = _today(picked, now)
    first = (parse_month(month) if month else None) or in_calendar(start, "Start date") or today
    defaults = {"start": str(first), "end": str(first + timedelta(days=6))}
    followed = push_ids(pushes)
    tracked = (
        await asyncio.to_thread(tracked_pushes, dispatcher, organization_id, followed)
        if followed
        else None
    )
    return await asyncio.to_thread(  # the grid reads our calendar from the database
        _rates_page,
        request,
        organization_id=organization_id,
        connection=connection,
        hotels=hotels,
        hotel=picked,
        start=first,
        today=today,
        calendar=calendar,
        queries=queries,
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
    ari: AriService,
    calendar: CalendarService,
    connection_rules: ConnectionRulesService,
    now: datetime,
) -> Response[Any]:
    """``action=preview`` shows the OTA messages (with the connection's rules applied, as
    they go out); ``action=push`` queues them."""
    connection = await asyncio.to_thread(queries.connection, organization_id, connection_id)
    rules = await asyncio.to_thread(connection_rules.show, organization_id, connection.id)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    hotels = await asyncio.to_thread(mappings.mapped, organization_id, connection.id)
    hotel = _pick_hotel(hotels, form.get("hotel") or None)
    if hotel is None:
        raise NotFound("mapped hotel", form.get("hotel", ""))
    today = _today(hotel, now)
    start = _grid_start(form, today)
    error: str | None = None
    previews: list[PreviewMessage] | None = None
    try:
        change = parse_change(form, hotel.hotel_code)
        # The checks a push makes, on its own code path: a preview never shows what a push
        # would refuse, and both refuse with the same message.
        previews = preview(ari.preview(change, _currency(hotel), rules), ari.policy(connection))
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
        today=today,
        calendar=calendar,
        queries=queries,
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
