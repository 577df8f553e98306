"""``channel-manager properties ...`` and ``units add``: our own inventory."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from channel_manager.entrypoints.cli import context, lookup, render

properties_app = typer.Typer(help="Our own properties.", no_args_is_help=True)
units_app = typer.Typer(help="Units (sellable room types) of our properties.", no_args_is_help=True)


@properties_app.command("add")
def properties_add(
    organization: Annotated[
        str,
        typer.Option("--organization", help="Organisation name (created if it does not exist)."),
    ],
    name: Annotated[str, typer.Option("--name", help="Property name.")],
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code, e.g. EUR.")],
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone of the property.")
    ] = "UTC",
) -> None:
    """Add a property and print its id."""
    container = context.get_container()
    inventory = container.inventory()
    owner = inventory.ensure_organization(organization)
    created = inventory.create_property(owner.id, name, currency.upper(), timezone)
    context.emit(str(created.id))


@properties_app.command("list")
def properties_list(
    organization: Annotated[str, typer.Option("--organization", help="Organisation name.")],
) -> None:
    """List an organisation's properties."""
    container = context.get_container()
    owner = lookup.organization_named(container, organization)
    found = container.inventory().list_properties(owner.id)
    if not found:
        context.note("no properties")
        return
    context.show(render.properties_table(found))


@units_app.command("add")
def units_add(
    property_id: Annotated[UUID, typer.Option("--property", help="Property id.")],
    name: Annotated[str, typer.Option("--name", help="Unit name, e.g. Double room.")],
    count: Annotated[
        int, typer.Option("--count", min=0, help="How many identical rooms it has.")
    ] = 1,
    max_occupancy: Annotated[
        int, typer.Option("--max-occupancy", min=1, help="Guests per room.")
    ] = 2,
) -> None:
    """Add a unit to a property and print its id."""
    container = context.get_container()
    owner = lookup.property_owner(container, property_id)
    created = container.inventory().create_unit(owner, property_id, name, count, max_occupancy)
    context.emit(str(created.id))


@units_app.command("list")
def units_list(
    property_id: Annotated[UUID, typer.Option("--property", help="Property id.")],
) -> None:
    """List a property's units."""
    container = context.get_container()
    owner = lookup.property_owner(container, property_id)
    found = container.inventory().list_units(owner, property_id)
    if not found:
        context.note("no units")
        return
    context.show(render.units_table(found))
