"""``channel-manager webhooks add/list/deliveries/replay`` (issue 18): an organisation's
signed webhooks and their delivery log, from the command line (an admin's view)."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table
from rich.text import Text

from channel_manager.container import Container
from channel_manager.domain.events import EventType
from channel_manager.domain.webhooks import DeliveryState, WebhookDelivery
from channel_manager.entrypoints.cli import context, lookup, render

webhooks_app = typer.Typer(
    help="Signed webhooks: events POSTed to the property system, and their delivery log.",
    no_args_is_help=True,
)


def webhook_owner(container: Container, webhook_id: UUID) -> UUID:
    """The organisation a subscription belongs to (``NotFound`` for an unknown one)."""
    with container.uow_factory()() as uow:
        return uow.webhooks.get_subscription(webhook_id).organization_id


@webhooks_app.command("add")
def webhooks_add(
    organization: Annotated[
        str, typer.Option("--organization", help="The organisation whose events are sent.")
    ],
    url: Annotated[str, typer.Option("--url", help="Where to POST (https).")],
    events: Annotated[
        list[str],
        typer.Option(
            "--event",
            help="An event type to send (repeat the option): "
            + ", ".join(e.value for e in EventType),
        ),
    ],
) -> None:
    """Subscribe a URL to events; prints the signing secret, shown this once."""
    container = context.get_container()
    owner = lookup.organization_named(container, organization)
    created = asyncio.run(container.webhooks().create(owner.id, url, events))
    context.note(
        f"webhook {created.webhook.id} sends {', '.join(created.webhook.events)} to "
        f"{created.webhook.url}; its signing secret (shown this once):"
    )
    context.emit(created.secret.reveal_text())


@webhooks_app.command("list")
def webhooks_list(
    organization: Annotated[
        str | None,
        typer.Option("--organization", help="Only this organisation's (default: all)."),
    ] = None,
) -> None:
    """List subscriptions (never their secrets)."""
    container = context.get_container()
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for title in ("organisation", "url", "events", "created"):
        table.add_column(title, overflow="fold")
    found = 0
    for owner in lookup.owners(container, organization):
        for webhook in container.webhooks().list(owner.id):
            found += 1
            table.add_row(
                str(webhook.id),
                owner.name,
                webhook.url,
                ", ".join(webhook.events),
                render.when(webhook.created_at),
            )
    if not found:
        context.note("no webhooks")
        return
    context.show(table)


def deliveries_table(deliveries: list[WebhookDelivery]) -> Table:
    """A delivery log, newest first."""
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for title in ("event", "type", "state", "attempts", "status", "updated"):
        table.add_column(title)
    table.add_column("last error", overflow="fold")
    styles = {DeliveryState.DELIVERED: "green", DeliveryState.FAILED: "red"}
    for delivery in deliveries:
        table.add_row(
            str(delivery.id),
            str(delivery.event_id),
            delivery.event_type.value,
            Text(delivery.state.value, style=styles.get(delivery.state, "yellow")),
            str(delivery.attempts),
            "-" if delivery.last_status is None else str(delivery.last_status),
            render.when(delivery.updated_at),
            Text(delivery.last_error or ""),
        )
    return table


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    webhook_id: Annotated[UUID, typer.Argument(help="A webhook's id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
) -> None:
    """A webhook's delivery log, newest event first."""
    container = context.get_container()
    owner = webhook_owner(container, webhook_id)
    deliveries = container.webhooks().deliveries(owner, webhook_id, limit)
    if not deliveries:
        context.note("nothing delivered yet")
        return
    context.show(deliveries_table(deliveries))


@webhooks_app.command("replay")
def webhooks_replay(
    webhook_id: Annotated[UUID, typer.Argument(help="A webhook's id.")],
    delivery_id: Annotated[UUID, typer.Argument(help="One of its deliveries.")],
) -> None:
    """Send a delivery again (same event id); the worker sends it on its next pass."""
    container = context.get_container()
    owner = webhook_owner(container, webhook_id)
    replayed = container.webhooks().replay(owner, webhook_id, delivery_id)
    context.emit(f"webhook delivery {replayed.id} is {replayed.state.value}")
