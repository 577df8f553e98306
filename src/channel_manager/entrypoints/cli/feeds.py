"""``channel-manager calendars add|list|rotate-export`` and ``channel-manager overbookings
list``: calendar feeds (Airbnb, Vrbo, ... through iCal) and the nights booked beyond a unit's
rooms. The other side's URL is a secret: it is never printed whole, only ``scheme://host/…``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table

from channel_manager.application.feeds import FeedConnection
from channel_manager.application.overbookings import Overbooking
from channel_manager.container import Container
from channel_manager.entrypoints.cli import context, lookup, render

calendars_app = typer.Typer(
    help="Calendar feeds (Airbnb, Vrbo, ... through iCal).", no_args_is_help=True
)
overbookings_app = typer.Typer(
    help="Nights booked beyond a unit's rooms, across channels.", no_args_is_help=True
)

#: The feed channel a calendar is connected on unless told.
DEFAULT_CHANNEL = "ical"


def unit_owner(container: Container, unit_id: UUID) -> UUID:
    """The organisation a unit belongs to (``NotFound`` for an unknown unit)."""
    with container.uow_factory()() as uow:
        return uow.properties.get(uow.units.get(unit_id).property_id).organization_id


@calendars_app.command("add")
def calendars_add(
    unit: Annotated[UUID, typer.Option("--unit", help="Our unit the calendar fills.")],
    name: Annotated[str, typer.Option("--name", help='What to call it ("Airbnb - Loft").')],
    url: Annotated[str, typer.Option("--url", help="The other side's iCal export URL.")],
    end_is_last_night: Annotated[
        bool,
        typer.Option(
            "--end-is-last-night",
            help="The other side's end date is the last night, not check-out.",
        ),
    ] = False,
    channel: Annotated[
        str, typer.Option("--channel", help="The feed channel's key.")
    ] = DEFAULT_CHANNEL,
) -> None:
    """Connect another platform's calendar to one of our units; prints our export URL (give
    it to that platform in return). The first fetch is due at once."""
    container = context.get_container()
    made = container.feeds().connect(
        unit_owner(container, unit),
        channel=channel,
        name=name,
        unit_id=unit,
        import_url=url,
        end_is_last_night=end_is_last_night,
    )
    context.note(
        f"calendar {made.feed.name!r} connected ({made.connection.id}) to unit "
        f"{made.unit_name!r}, reading {made.import_url_masked}; our export URL:"
    )
    context.emit(made.export_url)


@calendars_app.command("list")
def calendars_list(
    organization: Annotated[
        str | None,
        typer.Option("--organization", help="Only this organisation's calendars (default: all)."),
    ] = None,
) -> None:
    """List calendar feeds: unit, the other side's host, our export URL and the last fetch."""
    container = context.get_container()
    owners = lookup.owners(container, organization)
    feeds = container.feeds()
    found = [item for owner in owners for item in feeds.list(owner.id)]
    if not found:
        context.note("no calendars")
        return
    context.show(_calendars_table(found))


@calendars_app.command("rotate-export")
def calendars_rotate_export(
    connection_id: Annotated[UUID, typer.Argument(help="The calendar connection's id.")],
) -> None:
    """Give a calendar a new export URL (printed); the old one stops working at once."""
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    made = container.feeds().rotate_export(owner, connection_id)
    context.note(f"calendar {made.feed.name!r}: the old export URL no longer works; the new one:")
    context.emit(made.export_url)


@overbookings_app.command("list")
def overbookings_list(
    unit: Annotated[UUID | None, typer.Option("--unit", help="Only this unit.")] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="First night (YYYY-MM-DD); default each property's today."),
    ] = None,
) -> None:
    """Nights with more rooms booked than the unit has, with the clashing reservations."""
    container = context.get_container()
    first = _date(start) if start is not None else None
    if unit is not None:
        owners = [unit_owner(container, unit)]
    else:
        owners = [owner.id for owner in lookup.organizations(container)]
    query = container.overbookings()
    found = [item for owner in owners for item in query.list(owner, unit_id=unit, start=first)]
    if not found:
        context.note("no overbookings")
        return
    context.show(_overbookings_table(found))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--from"
        ) from None


def _calendars_table(found: list[FeedConnection]) -> Table:
    table = Table(
        "id", "name", "unit", "reads", "status", "last fetch", "stays", "blocks", "export URL"
    )
    for item in found:
        feed = item.feed
        status = item.connection.status.value
        if feed.suspect_since is not None:
            status += " (suspect snapshot held)"
        if feed.last_error:
            status += f": {feed.last_error}"
        table.add_row(
            str(item.connection.id),
            feed.name,
            f"{item.property_name} / {item.unit_name}",
            item.import_url_masked,
            status,
            render.when(feed.last_fetch_at) if feed.last_fetch_at else "never",
            str(feed.stays),
            str(feed.blocks),
            item.export_url,
        )
    return table


def _overbookings_table(found: list[Overbooking]) -> Table:
    table = Table("unit", "nights", "rooms", "booked", "reservations")
    for alert in found:
        table.add_row(
            f"{alert.property_name} / {alert.unit_name}",
            f"{alert.start}..{alert.end} (check-out)",
            str(alert.rooms),
            str(alert.booked),
            "; ".join(
                f"{r.connection_label} {r.external_id} ({r.kind}, {r.arrival}..{r.departure})"
                for r in alert.reservations
            ),
        )
    return table
