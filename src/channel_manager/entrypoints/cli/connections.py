"""``channel-manager connections list|messages|move-hotel`` and ``channel-manager sync ID``."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import (
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from channel_manager.container import BOOKING, Container, close_resources, open_resources
from channel_manager.domain.sync import SyncRun, SyncRunStatus
from channel_manager.entrypoints.cli import context, lookup, render
from channel_manager.entrypoints.cli.errors import ExitCode
from channel_manager.entrypoints.demo_files import refuse_real_booking_for_demo
from channel_manager.entrypoints.logging_setup import configure_logging

connections_app = typer.Typer(help="Channel connections.", no_args_is_help=True)


@connections_app.command("messages")
def connections_messages(
    connection_id: Annotated[UUID, typer.Argument(help="The connection's id.")],
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=500, help="At most this many, newest first.")
    ] = 20,
    show_body: Annotated[
        bool, typer.Option("--body", help="Print each message's body (already redacted).")
    ] = False,
) -> None:
    """Inspect the message log: every message sent to and received from the channel, newest
    first, with Booking.com's RUID (support asks for it). Bodies are stored redacted.
    """
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    entries = container.queries().messages(owner, connection_id, limit)
    if not entries:
        context.note("no messages")
        return
    context.show(render.messages_table(entries))
    if show_body:
        for entry in entries:
            context.emit(f"--- {render.when(entry.created_at)} {entry.message_type}")
            context.emit(entry.body)


@connections_app.command("list")
def connections_list(
    organization: Annotated[
        str | None,
        typer.Option("--organization", help="Only this organisation's connections (default: all)."),
    ] = None,
) -> None:
    """List connections with their status, last and next sync, and any problem."""
    container = context.get_container()
    owners = lookup.owners(container, organization)
    queries = container.queries()
    rows = [(owner, item) for owner in owners for item in queries.connections(owner.id)]
    if not rows:
        context.note("no connections")
        return
    context.show(render.connections_table(rows))


@connections_app.command("move-hotel")
def connections_move_hotel(
    hotel_id: Annotated[str, typer.Argument(help="The Booking.com property id (HotelCode).")],
    organization: Annotated[
        str, typer.Option("--to-organization", help="The organisation that is to hold it.")
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (logged with the move, for the record).")
    ],
) -> None:
    """Move a Booking.com hotel to another organisation (a disputed hotel's way out).

    The organisation holding it loses it: its connection is revoked here (the hotel stays
    connected at Booking.com, nothing is deactivated) and any other hotel that connection held
    is released, to be connected again. The named organisation gets an active
    booking-connectivity connection holding the hotel. Check first, with the property, who
    runs it: the move is logged (WARNING, with the reason), not undone.
    """
    container = context.get_container()
    configure_logging(container.settings())
    target = lookup.organization_named(container, organization)
    move = container.connect().move_hotel(hotel_id, target.id, reason, channel=BOOKING)
    context.emit(
        f"moved Booking.com property {move.hotel_id} to {target.name}: "
        f"connection {move.connection.id} ({move.connection.status.value})"
    )
    if move.previous is not None:
        context.emit(
            f"revoked connection {move.previous.id} of organisation {move.previous.organization_id}"
        )
    if move.released:
        context.note(
            "that connection also held " + ", ".join(move.released) + ": they are free to be "
            "connected again"
        )


class SyncProgress:
    """The sync's progress callback, drawn as one rich task per stage (hotels, reservations).

    Totals are unknown while pages stream in, so each stage counts up; a stage is shown complete
    when the next one starts or the run ends.
    """

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int) -> None:
        """Record that ``done`` items of ``stage`` are finished."""
        task = self._tasks.get(stage)
        if task is None:
            self.finish()
            task = self._progress.add_task(stage, total=None)
            self._tasks[stage] = task
        self._progress.update(task, completed=done)

    def finish(self) -> None:
        """Mark every stage seen so far as complete."""
        for task in self._tasks.values():
            completed = self._progress.tasks[task].completed
            self._progress.update(task, total=max(completed, 1), completed=max(completed, 1))


async def _full_sync(container: Container, connection_id: UUID, progress: SyncProgress) -> SyncRun:
    await open_resources(container)
    try:
        return await container.sync().full_sync(connection_id, progress=progress)
    finally:
        # The gateways share one HTTP client; it closes before the event loop goes away.
        await close_resources(container)


def sync(
    connection_id: Annotated[UUID, typer.Argument(help="The connection to sync.")],
) -> None:
    """Run a full sync of one connection now (hotels, then reservations) with a progress bar.

    Exits with 4 when the run failed.
    """
    refuse_real_booking_for_demo()
    container = context.get_container()
    lookup.connection(container, connection_id)  # an unknown id fails before drawing anything
    with Progress(
        SpinnerColumn(finished_text="[green]done"),
        TextColumn("{task.description:<12}"),
        TextColumn("{task.completed:>6.0f}"),
        TimeElapsedColumn(),
        console=context.err,
        transient=False,
    ) as bar:
        progress = SyncProgress(bar)
        run = asyncio.run(_full_sync(container, connection_id, progress))
        progress.finish()
    context.emit(render.sync_run_headline(run))
    if run.counts:
        context.show(render.counts_table(run))
    for problem in run.errors:
        context.err.print(Text(problem, style="red"), soft_wrap=True)
    if run.status is SyncRunStatus.FAILED:
        raise typer.Exit(ExitCode.CHANNEL)
