"""``channel-manager ari resync`` and ``channel-manager ari drift``: repair a channel that
disagrees with our calendar (send a window again; list what it may not hold)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import attrs
import typer
from rich.table import Table
from rich.text import Text

from channel_manager.application.drift import DriftReason, DriftReport, ReadbackState
from channel_manager.container import Container, close_resources, open_resources
from channel_manager.entrypoints.cli import context, lookup
from channel_manager.entrypoints.cli.errors import ExitCode

_DATE = ["%Y-%m-%d"]

ConnectionOption = Annotated[UUID, typer.Option("--connection", help="Connection id.")]
FromOption = Annotated[
    datetime, typer.Option("--from", formats=_DATE, help="First night, YYYY-MM-DD.")
]
ToOption = Annotated[
    datetime, typer.Option("--to", formats=_DATE, help="Last night (inclusive), YYYY-MM-DD.")
]


def ari_resync(*, connection_id: ConnectionOption, start: FromOption, end: ToOption) -> None:
    """Send the nights FROM..TO of our calendar again, in full, to one connection; print the
    push ids.

    For every unit and rate plan the connection maps (hotels whose sync is on): what is left
    to sell on every night, and every rate, stay limit, closure and stop-sell that is set.
    At most 400 nights, from the property's today. The worker delivers the pushes.
    """
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    result = container.repair().resync(owner, connection_id, start.date(), end.date())
    context.note(
        f"queued {len(result.push_ids)} push(es) for {result.first_night}..{result.last_night}"
    )
    for push_id in result.push_ids:
        context.emit(str(push_id))


async def _drift(
    container: Container, organization_id: UUID, connection_id: UUID, start: date, end: date
) -> DriftReport:
    await open_resources(container)
    try:
        return await container.repair().drift(organization_id, connection_id, start, end)
    finally:
        await close_resources(container)


_READBACK_NOTES = {
    ReadbackState.COMPARED: "compared with our delivery record and with what the channel holds",
    ReadbackState.NOT_OFFERED: (
        "compared with our delivery record only: this channel cannot read its ARI back"
    ),
    ReadbackState.CONNECTION_NOT_ACTIVE: (
        "compared with our delivery record only: the connection is not active, so the "
        "channel was not asked"
    ),
    ReadbackState.HOTEL_NOT_HELD: (
        "compared with our delivery record only: the connection holds none of its hotels"
    ),
}
_REASON_STYLES = {
    DriftReason.NEVER_SENT: "yellow",
    DriftReason.QUEUED: "cyan",
    DriftReason.FAILED: "red",
    DriftReason.STALE: "yellow",
    DriftReason.CHANNEL_DIFFERS: "red",
}


def ari_drift(
    *,
    connection_id: ConnectionOption,
    start: FromOption,
    end: ToOption,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """List the values of our calendar on FROM..TO that one connection may not hold.

    By our delivery record (never sent, failed, still queued, or changed since delivered)
    and, where the channel can read its ARI back, by what it holds. Exits 0 when there are
    no differences and 1 when there are; `ari resync` sends the window again.
    """
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    report = asyncio.run(_drift(container, owner, connection_id, start.date(), end.date()))
    if as_json:
        context.emit(json.dumps(_plain(report), indent=2, ensure_ascii=False))
    elif report.differences:
        context.show(drift_table(report))
    context.note(_READBACK_NOTES[report.readback])
    context.note(
        f"{len(report.differences)} difference(s) on {report.first_night}..{report.last_night}"
        if report.differences
        else f"no differences on {report.first_night}..{report.last_night}"
    )
    if report.differences:
        raise typer.Exit(ExitCode.FAILURE)


def drift_table(report: DriftReport) -> Table:
    """One row per value that may differ."""
    table = Table()
    for title in ("unit", "rate plan", "channel room / rate", "night", "field", "ours"):
        table.add_column(title)
    table.add_column("theirs")
    table.add_column("reason")
    table.add_column("push", no_wrap=True)
    for row in report.differences:
        codes = f"{row.hotel_code} {row.room_type_code}"
        if row.rate_plan_code is not None:
            codes += f" / {row.rate_plan_code}"
        table.add_row(
            Text(row.unit_name),
            Text(row.rate_plan_name or "-"),
            Text(codes),
            row.night.isoformat(),
            row.field.value,
            Text(row.ours),
            Text("-" if row.theirs is None else row.theirs),
            Text(row.reason.value, style=_REASON_STYLES[row.reason]),
            "-" if row.push_id is None else str(row.push_id),
        )
    return table


def _plain(report: DriftReport) -> dict[str, Any]:
    """The report with ids, dates and enums as JSON strings."""

    def value(_instance: object, _field: object, item: object) -> object:
        if isinstance(item, UUID):
            return str(item)
        if isinstance(item, date):
            return item.isoformat()
        if isinstance(item, Enum):
            return item.value
        return item

    plain: dict[str, Any] = attrs.asdict(report, value_serializer=value)
    return plain
