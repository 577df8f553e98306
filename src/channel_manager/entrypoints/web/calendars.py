"""Calendars (Airbnb, Vrbo, any iCal feed): the form that connects one to a unit, the page
with our export URL to paste on the other side, rotating that URL, and the overbookings list.

The other side's URL is a secret (whoever has it reads the calendar): once submitted it is
only ever shown masked. The form that was just sent is the one exception: when it is refused,
it comes back with what was typed so the person can correct it, and nothing else echoes it (no
notice, no error page, no log line of ours).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs
from litestar import Request, Response, get, post

from channel_manager.application.feeds import FeedService
from channel_manager.application.inventory import InventoryService
from channel_manager.application.overbookings import Overbooking, OverbookingQuery
from channel_manager.application.queries import Queries
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.inventory import Unit
from channel_manager.entrypoints.web.common import (
    FormData,
    FormError,
    notify,
    required_text,
    see_other,
    text,
)
from channel_manager.entrypoints.web.pickers import connection_choices
from channel_manager.entrypoints.web.rendering import page

#: The channel key of iCal connections (``adapters.ical.plugin.ICAL_CHANNEL``); spelled here
#: so the page does not import an adapter.
ICAL_CHANNEL = "ical"
#: The longest calendar name the form takes (a card's heading, a picker's label).
MAX_NAME_LENGTH = 120
#: The longest URL the form takes: feed URLs carry a token, never kilobytes.
MAX_URL_LENGTH = 2048
#: What the form says about where the other side's link is.
URL_HELP = "Airbnb: Calendar → Availability → Connect to another website → copy the link"


@attrs.frozen(kw_only=True)
class UnitChoice:
    """A unit as the form's picker lists it, under its property."""

    id: UUID
    name: str


@attrs.frozen(kw_only=True)
class PropertyUnits:
    """One ``<optgroup>`` of the unit picker: a property and its units."""

    name: str
    units: tuple[UnitChoice, ...]


@attrs.frozen(kw_only=True)
class CalendarForm:
    """What the form holds: empty at first, what was typed when it comes back refused."""

    unit_id: str = ""
    name: str = ""
    import_url: str = attrs.field(default="", repr=False)
    end_is_last_night: bool = False


@attrs.frozen(kw_only=True)
class CalendarRequest:
    """A form that read well: what :meth:`FeedService.connect` is given."""

    unit_id: UUID
    name: str
    import_url: str = attrs.field(repr=False)
    end_is_last_night: bool


def unit_groups(inventory: InventoryService, organization_id: UUID) -> list[PropertyUnits]:
    """The organisation's units by property (both by name), for the picker."""
    groups = []
    for prop in sorted(inventory.list_properties(organization_id), key=lambda p: p.name.casefold()):
        units: list[Unit] = sorted(
            inventory.list_units(organization_id, prop.id), key=lambda u: u.name.casefold()
        )
        if units:
            groups.append(
                PropertyUnits(
                    name=prop.name,
                    units=tuple(UnitChoice(id=u.id, name=u.name) for u in units),
                )
            )
    return groups


def read_form(form: FormData) -> CalendarForm:
    """The fields as typed (for the form coming back), control characters dropped."""

    def raw(name: str) -> str:
        value = form.get(name)
        if not isinstance(value, str):
            return ""
        return "".join(ch for ch in value if ch.isprintable()).strip()

    return CalendarForm(
        unit_id=raw("unit_id"),
        name=raw("name")[:MAX_NAME_LENGTH],
        import_url=raw("import_url")[:MAX_URL_LENGTH],
        end_is_last_night=form.get("end_is_last_night") == "yes",
    )


def parse_form(form: FormData, groups: Sequence[PropertyUnits]) -> CalendarRequest:
    """The request the form makes; ``FormError`` naming the field that is wrong, ``NotFound``
    for a unit the organisation does not have (another organisation's reads the same)."""
    unit_text = required_text(form, "unit_id", "Unit")
    try:
        unit_id = UUID(unit_text)
    except ValueError:
        raise FormError("Unit is not a valid choice") from None
    if not any(unit.id == unit_id for group in groups for unit in group.units):
        raise NotFound("unit", unit_id)
    name = required_text(form, "name", "Name")
    if len(name) > MAX_NAME_LENGTH:
        raise FormError(f"Name must be at most {MAX_NAME_LENGTH} characters")
    url = required_text(form, "import_url", "Calendar link")
    if len(url) > MAX_URL_LENGTH or not url.lower().startswith(("https://", "http://")):
        raise FormError(
            "Calendar link must be the web address of the other side's calendar, starting "
            "with https:// (for example https://www.airbnb.com/calendar/ical/….ics)"
        )
    return CalendarRequest(
        unit_id=unit_id,
        name=name,
        import_url=url,
        end_is_last_night=text(form, "end_is_last_night") == "yes",
    )


def _scrubbed(message: str, url: str) -> str:
    """``message`` as a sentence, without the URL in it (an error may quote what it
    refused)."""
    if url:
        message = message.replace(url, "the calendar link")
    return message[:1].upper() + message[1:]


def _form_page(
    request: Request[Any, Any, Any],
    groups: list[PropertyUnits],
    form: CalendarForm,
    error: str | None = None,
) -> Response[str]:
    return page(
        request,
        "calendar_form.html",
        status_code=422 if error else 200,
        title="Add a calendar",
        nav="integrations",
        groups=groups,
        form=form,
        error=error,
        url_help=URL_HELP,
    )


@get("/integrations/calendars/new", include_in_schema=False, sync_to_thread=True)
def new_calendar(
    request: Request[Any, Any, Any], organization_id: UUID, inventory: InventoryService
) -> Response[str]:
    """The empty form: a unit, a name, the other side's link, the end-date option."""
    return _form_page(request, unit_groups(inventory, organization_id), CalendarForm())


@post("/integrations/calendars", include_in_schema=False)
async def add_calendar(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    inventory: InventoryService,
    feeds: FeedService,
) -> Response[Any]:
    """Connect the calendar and show our export URL; a refused form comes back with what was
    typed and why."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    groups = await asyncio.to_thread(unit_groups, inventory, organization_id)
    typed = read_form(form)
    try:
        asked = parse_form(form, groups)
        connected = await asyncio.to_thread(
            lambda: feeds.connect(
                organization_id,
                channel=ICAL_CHANNEL,
                name=asked.name,
                unit_id=asked.unit_id,
                import_url=asked.import_url,
                end_is_last_night=asked.end_is_last_night,
            )
        )
    except NotFound:
        raise
    except DomainError as error:
        return _form_page(request, groups, typed, _scrubbed(str(error), typed.import_url))
    return see_other(f"/integrations/calendars/{connected.connection.id}?added=1")


@get("/integrations/calendars/{connection_id:uuid}", include_in_schema=False, sync_to_thread=True)
def calendar_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    feeds: FeedService,
    added: bool = False,
) -> Response[str]:
    """Our export URL with a copy button: what to paste into Airbnb or Vrbo."""
    feed = feeds.get(organization_id, connection_id)
    return page(
        request,
        "calendar_export.html",
        title=f"Calendar {feed.feed.name}",
        nav="integrations",
        f=feed,
        added=added,
    )


@post("/integrations/calendars/{connection_id:uuid}/rotate", include_in_schema=False)
async def rotate_export(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    feeds: FeedService,
) -> Response[Any]:
    """A new export URL; the old one stops working at once."""
    await asyncio.to_thread(feeds.rotate_export, organization_id, connection_id)
    notify(
        request,
        "The export link was replaced: the old one no longer works. Paste the new one into "
        "Airbnb or Vrbo.",
    )
    return see_other(f"/integrations/calendars/{connection_id}")


@attrs.frozen(kw_only=True)
class OverbookingRow:
    """An alert as the list shows it: ``start..end`` nights of a unit, rooms vs booked."""

    alert: Overbooking

    @property
    def nights(self) -> int:
        """How many nights the clash covers."""
        return (self.alert.end - self.alert.start).days

    @property
    def last_night(self) -> date:
        """The clash's last night (``end`` is the day after it)."""
        return date.fromordinal(self.alert.end.toordinal() - 1)


@get("/overbookings", include_in_schema=False, sync_to_thread=True)
def overbookings_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    overbookings: OverbookingQuery,
    queries: Queries,
) -> Response[str]:
    """Every night a unit has more bookings than rooms, with the clashing bookings (each
    named by its connection as the pickers name it: ``iCal · Sea View Loft on Airbnb``)."""
    alerts = overbookings.list(organization_id)
    return page(
        request,
        "overbookings.html",
        title="Overbookings",
        nav="integrations",
        rows=[OverbookingRow(alert=a) for a in alerts],
        labels={c.id: c.label for c in connection_choices(queries, organization_id)},
    )


def overbooked_units(alerts: Sequence[Overbooking]) -> dict[UUID, int]:
    """How many alerts each unit has (the cards' red badge)."""
    counts: dict[UUID, int] = {}
    for alert in alerts:
        counts[alert.unit_id] = counts.get(alert.unit_id, 0) + 1
    return counts


CALENDAR_HANDLERS = (new_calendar, add_calendar, calendar_page, rotate_export, overbookings_page)
