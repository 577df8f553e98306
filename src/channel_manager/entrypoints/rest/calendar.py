"""``/api/v1/calendar``: our calendar, channel-neutral, in our ids (CHANNELS.md "Our calendar
is the source of truth"). Thin: parse, call the use case, render.

The bodies are msgspec structs (Litestar decodes and documents them natively) because their
JSON names ``from`` and ``to`` are Python keywords; they become the application's attrs input
here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import attrs
import msgspec
from litestar import Controller, get, post
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from channel_manager.application.calendar import (
    DEFAULT_WINDOW_NIGHTS,
    CalendarChangeInput,
    CalendarService,
    ConnectionPushes,
    PropertyCalendar,
)
from channel_manager.domain.calendar import MAX_STAY_NIGHTS, MAX_WINDOW_NIGHTS
from channel_manager.domain.inventory import MAX_UNIT_COUNT
from channel_manager.entrypoints.rest.errors import error_responses as errors

#: Rooms to sell a night may be given (an int column, and more than any unit has).
_Rooms = Annotated[int, msgspec.Meta(ge=0, le=MAX_UNIT_COUNT)]
_Stay = Annotated[int, msgspec.Meta(ge=1, le=MAX_STAY_NIGHTS)]
_Rate = Annotated[str, msgspec.Meta(max_length=32, description="A decimal string, e.g. 120.50")]
_Currency = Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class CalendarChangeBody(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, rename={"start": "from", "end": "to"}
):
    """Values for every night of ``from..to`` (inclusive) of our unit, or of one of its rate
    plans. Values left out stay as they are. ``availability`` (rooms to sell before
    bookings) and unit-wide closures leave ``rate_plan_id`` out; a rate needs it."""

    unit_id: UUID
    rate_plan_id: UUID | None = None
    start: date
    end: date
    rate: _Rate | None = None
    currency: _Currency | None = None
    availability: _Rooms | None = None
    min_stay: _Stay | None = None
    max_stay: _Stay | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    stop_sell: bool | None = None

    def to_input(self) -> CalendarChangeInput:
        """The application's input."""
        return CalendarChangeInput(**{f.name: getattr(self, f.name) for f in _INPUT_FIELDS})


_INPUT_FIELDS = attrs.fields(CalendarChangeInput)


class CalendarChangesBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /calendar/changes``: applied in order, in one transaction."""

    changes: Annotated[tuple[CalendarChangeBody, ...], msgspec.Meta(min_length=1, max_length=1000)]


@attrs.frozen(kw_only=True)
class QueuedCalendarPushes:
    """``202`` answer of a calendar change: the pushes queued, per connection."""

    pushes: tuple[ConnectionPushes, ...]


class CalendarController(Controller):
    """Our calendar: rates, rooms to sell, restrictions and closures per unit, rate plan and
    night, with what is booked and what each channel has received."""

    path = "/calendar"
    tags = ("calendar",)

    @get("/", sync_to_thread=True, responses=errors(404))
    def read_calendar(
        self,
        organization_id: UUID,
        calendar: CalendarService,
        property_id: Annotated[
            UUID | None,
            QueryParameter(
                description="The property (required; optional in form only, so that a "
                "request without a key is answered 401 before its parameters are read)."
            ),
        ] = None,
        start: Annotated[
            date | None,
            QueryParameter(
                name="from", description="First night (YYYY-MM-DD); the property's today."
            ),
        ] = None,
        end: Annotated[
            date | None,
            QueryParameter(
                name="to",
                description=(
                    f"Last night (inclusive; at most {MAX_WINDOW_NIGHTS} nights from 'from'); "
                    f"{DEFAULT_WINDOW_NIGHTS} nights from 'from' when left out."
                ),
            ),
        ] = None,
    ) -> PropertyCalendar:
        """For each unit, rate plan and night of the property: rate, rooms to sell, rooms
        booked, what is left to sell, min/max stay, closed to arrival/departure, stop-sell,
        and per connection whether these values were delivered, are queued or failed."""
        if property_id is None:
            raise ValidationException("Missing required query parameter 'property_id'")
        return calendar.read(organization_id, property_id, start, end)

    @post(
        "/changes",
        status_code=HTTP_202_ACCEPTED,
        sync_to_thread=True,
        responses=errors(404, 413, 422),
    )
    def change_calendar(
        self,
        organization_id: UUID,
        data: CalendarChangesBody,
        calendar: CalendarService,
    ) -> QueuedCalendarPushes:
        """Set values in our calendar and queue them to every connection where the unit (and
        rate plan) is mapped, in one transaction; the queued push ids per connection."""
        queued = calendar.change(organization_id, [change.to_input() for change in data.changes])
        return QueuedCalendarPushes(pushes=tuple(queued))
