"""``channel-manager push-inbox list/retry``: pushed messages acknowledged but not applied yet
(issue 17), every organisation's and those that route nowhere (an admin's view)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table
from rich.text import Text

from channel_manager.application.push_inbox import InboxView
from channel_manager.domain.push_inbox import InboxState
from channel_manager.entrypoints.cli import context, render

push_inbox_app = typer.Typer(
    help="Pushed reservations stored but not applied yet (retried, or flagged).",
    no_args_is_help=True,
)


def inbox_table(rows: list[InboxView]) -> Table:
    """Inbox rows with why they are waiting."""
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for title in ("received", "message", "reservations", "state", "attempts", "next try"):
        table.add_column(title)
    table.add_column("reason / last error", overflow="fold")
    for row in rows:
        flagged = row.state is InboxState.FLAGGED
        reason = f"{row.failure.value}: " if row.failure else ""
        table.add_row(
            str(row.id),
            render.when(row.received_at),
            row.message_type,
            Text(", ".join(f"{rid} @ {hotel or '-'}" for rid, hotel in row.reservations)),
            Text(row.state.value, style="red" if flagged else "yellow"),
            str(row.attempts),
            render.when(row.next_attempt_at),
            Text(reason + (row.last_error or "")),
        )
    return table


@push_inbox_app.command("list")
def push_inbox_list(
    state: Annotated[
        InboxState | None, typer.Option("--state", help="Only rows in this state.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
) -> None:
    """List the inbox's rows, oldest first, with their reason and attempts."""
    rows = context.get_container().push_inbox().list(state, limit=limit)
    if not rows:
        context.note("the push inbox is empty")
        return
    context.show(inbox_table(rows))


@push_inbox_app.command("retry")
def push_inbox_retry(
    row_id: Annotated[UUID, typer.Argument(help="An inbox row's id.")],
) -> None:
    """Apply a row again at once (after fixing its mapping, say); the worker takes it on its
    next pass, and the reservations' ledger applies it once however often it is retried."""
    retried = context.get_container().push_inbox().retry(row_id)
    context.emit(f"push inbox row {retried.id} is {retried.state.value} again")
