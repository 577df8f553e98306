"""Tables and summaries for the terminal (rich)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from rich.table import Table
from rich.text import Text

from channel_manager.application.mapping_views import HotelView
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.ari import AvailRange, RateRange
from channel_manager.domain.connection import Connection
from channel_manager.domain.inventory import Organization, Property, Unit
from channel_manager.domain.messages import MessageLogEntry
from channel_manager.domain.sync import OutboundMessage, OutboundState, SyncRun, SyncRunStatus

_STATE_STYLES = {
    OutboundState.DELIVERED: "green",
    OutboundState.FAILED: "red",
    OutboundState.IN_FLIGHT: "cyan",
    OutboundState.PENDING: "yellow",
}
_RUN_STYLES = {
    SyncRunStatus.SUCCEEDED: "green",
    SyncRunStatus.PARTIAL: "yellow",
    SyncRunStatus.FAILED: "red",
    SyncRunStatus.RUNNING: "cyan",
}


def when(moment: datetime | None) -> str:
    """A timestamp in UTC to the second, or a dash."""
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment is not None else "-"


def _table_with_ids(*titles: str) -> Table:
    """A table whose first columns hold ids: never wrapped, so they can be copied whole."""
    table = Table()
    for title in titles:
        table.add_column(title, no_wrap=True, min_width=36)
    return table


def connections_table(rows: Iterable[tuple[Organization, Connection]]) -> Table:
    """Connections with their organisation, status and schedule."""
    table = _table_with_ids("id")
    for title in (
        "organization",
        "channel",
        "status",
        "auth",
        "account",
        "last sync",
        "next poll",
        "next sync",
    ):
        table.add_column(title)
    table.add_column("problem", overflow="fold")
    for organization, item in rows:
        table.add_row(
            str(item.id),
            Text(organization.name),
            item.channel,
            item.status.value,
            item.auth_mode.value,
            item.external_account_id or "-",
            when(item.last_sync_at),
            when(item.next_poll_at),
            when(item.next_sync_at),
            Text(item.error_reason or item.poll_error or "", style="red"),
        )
    return table


def pushes_table(messages: Sequence[OutboundMessage]) -> Table:
    """Outbound ARI messages with their delivery state."""
    table = _table_with_ids("id", "connection")
    for title in ("hotel", "kind", "state", "attempts", "next / delivered"):
        table.add_column(title)
    table.add_column("last error / confirmation", overflow="fold")
    for message in messages:
        done = message.state is OutboundState.DELIVERED
        table.add_row(
            str(message.id),
            str(message.connection_id),
            Text(message.hotel_code),
            message.kind.value,
            Text(message.state.value, style=_STATE_STYLES[message.state]),
            f"{message.attempts}/{message.max_attempts}",
            when(message.delivered_at if done else _next_attempt(message)),
            Text((message.confirmation if done else message.last_error) or ""),
        )
    return table


def sync_run_headline(run: SyncRun) -> Text:
    """``sync run ID: status``, the status in its colour."""
    headline = Text(f"sync run {run.id}: ")
    headline.append(run.status.value, style=_RUN_STYLES[run.status])
    return headline


def counts_table(run: SyncRun) -> Table:
    """What a sync run counted (hotels, reservations, new/modified/cancelled, ...)."""
    table = Table("what", "count")
    for name, value in sorted(run.counts.items()):
        table.add_row(Text(name), str(value))
    return table


def _next_attempt(message: OutboundMessage) -> datetime | None:
    waiting = message.state in {OutboundState.PENDING, OutboundState.IN_FLIGHT}
    return message.next_attempt_at if waiting else None


def properties_table(properties: Sequence[Property]) -> Table:
    """An organisation's properties."""
    table = _table_with_ids("id")
    for title in ("name", "currency", "timezone"):
        table.add_column(title)
    for item in properties:
        table.add_row(str(item.id), Text(item.name), item.currency, item.timezone)
    return table


def units_table(units: Sequence[Unit]) -> Table:
    """A property's units."""
    table = _table_with_ids("id")
    for title in ("name", "rooms", "max occupancy"):
        table.add_column(title)
    for unit in units:
        table.add_row(str(unit.id), Text(unit.name), str(unit.count), str(unit.max_occupancy))
    return table


def messages_table(entries: Sequence[MessageLogEntry]) -> Table:
    """The message log: when, which way, which message, the answer's status and RUID."""
    table = Table("at", "direction", "message", "status", "ruid", "endpoint")
    for entry in entries:
        table.add_row(
            when(entry.created_at),
            entry.direction.value,
            Text(entry.message_type),
            str(entry.http_status) if entry.http_status is not None else "-",
            Text(entry.ruid or "-"),
            Text(entry.endpoint, overflow="fold"),
        )
    return table


def api_keys_table(rows: Iterable[tuple[Organization, ApiKey]]) -> Table:
    """API keys by their visible start: never the key, never its hash."""
    table = Table()
    for title in ("prefix", "name", "organization", "created", "last used", "state"):
        table.add_column(title, no_wrap=title in {"prefix", "created", "last used"})
    for organization, key in rows:
        state = (
            Text("active", style="green")
            if key.is_active
            else Text(f"revoked {when(key.revoked_at)}", style="red")
        )
        table.add_row(
            f"{key.prefix}...",
            Text(key.name),
            Text(organization.name),
            when(key.created_at),
            when(key.last_used_at) if key.last_used_at else "never",
            state,
        )
    return table


def mappings_table(
    hotels: Sequence[HotelView],
    properties: Mapping[UUID, str],
    units: Mapping[UUID, str],
    plans: Mapping[UUID, str],
) -> Table:
    """Channel hotel -> property, room type -> unit, rate plan -> rate plan, one row each."""
    table = Table("channel", "code", "name", "ours")
    table.add_column("our id", no_wrap=True, min_width=36)
    for hotel in hotels:
        ours = hotel.internal_property_id
        sync = "" if hotel.sync_enabled else " (sync off)"
        table.add_row(
            "hotel",
            Text(hotel.hotel_code),
            Text(hotel.name or ""),
            Text((properties.get(ours, "?") if ours else "not mapped") + sync),
            str(ours or "-"),
        )
        for room in hotel.room_types:
            unit = room.mapped_unit_id
            table.add_row(
                "  room",
                Text(room.code),
                Text(room.name or ""),
                Text(units.get(unit, "?") if unit else "not mapped"),
                str(unit or "-"),
            )
        for plan in hotel.rate_plans:
            mapped = plan.mapped_rate_plan_id
            table.add_row(
                "  rate plan",
                Text(plan.code),
                Text(plan.name or ""),
                Text(plans.get(mapped, "?") if mapped else "not mapped"),
                str(mapped or "-"),
            )
    return table


def range_line(item: AvailRange | RateRange) -> str:
    """One date range of a push, with only the values it sets."""
    head = f"{item.start}..{item.end} room {item.room_type_code}"
    if item.rate_plan_code:
        head += f" rate plan {item.rate_plan_code}"
    if isinstance(item, RateRange):
        return f"{head}: rate {item.amount}"
    values = {
        "booking limit": item.booking_limit,
        "min stay": item.min_los,
        "max stay": item.max_los,
        "stop sell": item.stop_sell,
        "closed to arrival": item.closed_to_arrival,
        "closed to departure": item.closed_to_departure,
    }
    shown = ", ".join(f"{name} {value}" for name, value in values.items() if value is not None)
    return f"{head}: {shown}"
