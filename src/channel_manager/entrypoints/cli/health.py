"""``channel-manager connections health ID``: a connection's health (issue 18), its reasons
and the facts behind them; ``--check`` makes a red (or amber) connection exit non-zero."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import typer

from channel_manager.domain.health import HealthStatus, describe_duration
from channel_manager.entrypoints.cli import context, lookup, render
from channel_manager.entrypoints.cli.errors import ExitCode


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    return f"{render.when(moment)} ({describe_duration(now - moment)} ago)"


def connections_health(
    connection_id: Annotated[UUID, typer.Argument(help="The connection's id.")],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 when the connection is red, 5 when amber (for monitoring scripts).",
        ),
    ] = False,
) -> None:
    """Show whether a connection is green, amber or red, why, and the facts: last successful
    poll, push and fetch, queued changes, the error rate of the last hour, reservations left
    unacknowledged at the channel, a feed suspected empty, overbooked units."""
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    report = container.health().report(owner, connection_id)
    facts, now = report.facts, report.at
    context.emit(f"status: {report.status.value}")
    for reason in report.reasons:
        context.emit(f"  {reason.status.value}: {reason.text}")
    context.emit(f"last successful poll: {_when(facts.last_poll_at, now)}")
    context.emit(f"last successful push: {_when(facts.last_push_at, now)}")
    if facts.feed is not None:
        context.emit(f"last successful fetch: {_when(facts.feed.last_success_at, now)}")
    oldest = (
        "" if facts.oldest_queued_at is None else f", oldest {_when(facts.oldest_queued_at, now)}"
    )
    context.emit(f"queued changes: {facts.queued}{oldest}")
    rate = facts.attempts.percent_failed
    context.emit(
        "error rate (last hour): "
        + ("no attempts" if rate is None else f"{rate}% of {facts.attempts.attempts} attempts")
    )
    context.emit(f"unacknowledged reservations: {len(facts.unacknowledged)}")
    for item in facts.unacknowledged:
        context.emit(f"  {item.external_id} since {_when(item.first_seen_at, now)}: {item.reason}")
    context.emit(f"overbooked units: {len(facts.overbooked)}")
    if check and report.status is not HealthStatus.GREEN:
        raise typer.Exit(ExitCode.FAILURE if report.status is HealthStatus.RED else 5)
