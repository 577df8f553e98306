"""``channel-manager reservations list|show`` and ``mappings show``: what came in, and how the
channel's hotels, rooms and rate plans map to ours."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import typer

from channel_manager.container import Container
from channel_manager.domain.errors import NotFound
from channel_manager.domain.inventory import Organization
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.entrypoints.cli import context, lookup, render, reservation_view

reservations_app = typer.Typer(
    help="Reservations received from the channels.", no_args_is_help=True
)
mappings_app = typer.Typer(
    help="Channel hotels, rooms and rate plans mapped to ours.", no_args_is_help=True
)

_DATE = ["%Y-%m-%d"]


def _emit_json(value: Any) -> None:
    context.emit(json.dumps(value, indent=2, ensure_ascii=False))


@reservations_app.command("list")
def reservations_list(
    organization: Annotated[
        str | None, typer.Option("--organization", help="Only this organisation's (default: all).")
    ] = None,
    connection_id: Annotated[
        UUID | None, typer.Option("--connection", help="Only this connection's.")
    ] = None,
    status: Annotated[
        ReservationStatus | None, typer.Option("--status", help="Only reservations in this state.")
    ] = None,
    arrival_from: Annotated[
        datetime | None,
        typer.Option("--arrival-from", formats=_DATE, help="Arriving on or after, YYYY-MM-DD."),
    ] = None,
    arrival_to: Annotated[
        datetime | None,
        typer.Option("--arrival-to", formats=_DATE, help="Arriving on or before, YYYY-MM-DD."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many, by arrival.")
    ] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON rows instead of a table.")] = False,
) -> None:
    """List reservations by arrival (then id), with status, guest, total and flags."""
    if arrival_from and arrival_to and arrival_to < arrival_from:
        raise typer.BadParameter("--arrival-to is before --arrival-from")
    container = context.get_container()
    owners = _owners(container, organization, connection_id)
    queries = container.queries()
    rows: list[tuple[str, Reservation]] = []
    for owner in owners:
        found = queries.reservations(
            owner.id,
            connection_id=connection_id,
            status=status,
            arrival_from=arrival_from.date() if arrival_from else None,
            arrival_to=arrival_to.date() if arrival_to else None,
            limit=limit,
        )
        rows.extend((owner.name, item) for item in found)
    rows.sort(key=lambda row: (row[1].arrival, row[1].id))
    rows = rows[:limit]
    if as_json:
        _emit_json([reservation_view.summary(item, name) for name, item in rows])
        return
    if not rows:
        context.note("no reservations")
        return
    context.show(reservation_view.reservations_table(rows))


def _owners(
    container: Container, organization: str | None, connection_id: UUID | None
) -> list[Organization]:
    """The organisations to list: the connection's, the named one, or every one."""
    named = lookup.organization_named(container, organization) if organization else None
    if connection_id is not None:
        owner_id = lookup.connection(container, connection_id).organization_id
        if named is not None and named.id != owner_id:
            raise NotFound("connection", f"{connection_id} of organization {named.name!r}")
        return [o for o in lookup.organizations(container) if o.id == owner_id]
    return [named] if named is not None else lookup.organizations(container)


@reservations_app.command("show")
def reservations_show(
    reservation: Annotated[
        str,
        typer.Argument(help="Our reservation id, or the channel's reservation number."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Everything stored, as JSON.")] = False,
) -> None:
    """One reservation: guest, stay, rooms with their nightly prices, totals, payment summary
    (card data stays masked: only the last four digits are ever stored), flags and changes."""
    container = context.get_container()
    found = lookup.reservation(container, reservation)
    owner = lookup.connection(container, found.connection_id).organization_id
    item = container.queries().reservation(owner, found.id)
    name = next(o.name for o in lookup.organizations(container) if o.id == owner)
    if as_json:
        _emit_json(reservation_view.full(item, name))
        return
    inventory = container.inventory()
    property_name, units, plans = None, {}, {}
    if item.property_id is not None:
        properties = {p.id: p.name for p in inventory.list_properties(owner)}
        property_name = properties.get(item.property_id)
        units = {u.id: u.name for u in inventory.list_units(owner, item.property_id)}
        plans = {p.id: p.name for p in inventory.list_rate_plans(owner, item.property_id)}
    for line in reservation_view.detail_lines(item, name, property_name, units, plans):
        context.emit(line)


@mappings_app.command("show")
def mappings_show(
    connection_id: Annotated[UUID, typer.Argument(help="The connection's id.")],
) -> None:
    """How the connection's hotels, room types and rate plans map to our properties, units and
    rate plans (from our records; the channel is not asked)."""
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    hotels = container.mappings().mapped(owner, connection_id)
    if not hotels:
        context.note(
            "no mapped hotels: map them in the web UI or with PUT /connections/{id}/mappings"
        )
        return
    inventory = container.inventory()
    properties = {p.id: p.name for p in inventory.list_properties(owner)}
    units: dict[UUID, str] = {}
    plans: dict[UUID, str] = {}
    for property_id in {h.internal_property_id for h in hotels if h.internal_property_id}:
        units.update({u.id: u.name for u in inventory.list_units(owner, property_id)})
        plans.update({p.id: p.name for p in inventory.list_rate_plans(owner, property_id)})
    context.show(render.mappings_table(hotels, properties, units, plans))
