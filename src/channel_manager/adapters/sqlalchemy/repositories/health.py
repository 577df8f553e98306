"""Channel health (issue 18): poll records, last statuses, unacknowledged reservations, and
the outbox read as health needs it (one aggregate query)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.health import (
    Attempts,
    AttemptWindow,
    HealthRecord,
    HealthStatus,
    OutboxActivity,
    UnacknowledgedReservation,
)
from channel_manager.domain.sync import OutboundState

_OPEN = (OutboundState.PENDING.value, OutboundState.IN_FLIGHT.value)


def _record_row(record: HealthRecord) -> dict[str, Any]:
    polls = record.polls
    return {
        "connection_id": record.connection_id,
        "last_poll_at": record.last_poll_at,
        "window_started_at": polls.started_at,
        "poll_attempts": polls.current.attempts,
        "poll_failures": polls.current.failures,
        "previous_attempts": polls.previous.attempts,
        "previous_failures": polls.previous.failures,
        "status": None if record.status is None else record.status.value,
        "status_since": record.status_since,
        "checked_at": record.checked_at,
    }


def _record_from_row(row: sa.RowMapping) -> HealthRecord:
    return HealthRecord(
        connection_id=row["connection_id"],
        last_poll_at=row["last_poll_at"],
        polls=AttemptWindow(
            started_at=row["window_started_at"],
            current=Attempts(row["poll_attempts"], row["poll_failures"]),
            previous=Attempts(row["previous_attempts"], row["previous_failures"]),
        ),
        status=None if row["status"] is None else HealthStatus(row["status"]),
        status_since=row["status_since"],
        checked_at=row["checked_at"],
    )


class SqlAlchemyHealthRepository:
    """:class:`~channel_manager.ports.repositories.HealthRepository` on SQLAlchemy Core."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def _insert(self, table: sa.Table) -> Any:
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    def get(self, connection_id: UUID) -> HealthRecord:
        """The record, or an empty one."""
        table = tables.connection_health
        row = (
            self._connection.execute(sa.select(table).where(table.c.connection_id == connection_id))
            .mappings()
            .first()
        )
        return HealthRecord(connection_id=connection_id) if row is None else _record_from_row(row)

    def put(self, record: HealthRecord) -> None:
        """Insert or replace the record."""
        values = _record_row(record)
        statement = self._insert(tables.connection_health)
        statement = statement.on_conflict_do_update(
            index_elements=["connection_id"],
            set_={name: statement.excluded[name] for name in values if name != "connection_id"},
        )
        self._connection.execute(statement, values)

    def claim_due(self, now: datetime, every: timedelta, limit: int) -> builtins.list[UUID]:
        """Active and broken (``error``) connections due for an evaluation, their rows created
        when missing: a connection a poll just marked broken must still turn red and be
        reported (pending and revoked ones are a person's doing, not a failure)."""
        health, connections = tables.connection_health, tables.connections
        active = connections.c.status.in_(
            (ConnectionStatus.ACTIVE.value, ConnectionStatus.ERROR.value)
        )
        missing = (
            sa.select(
                connections.c.id,
                sa.literal(0),
                sa.literal(0),
                sa.literal(0),
                sa.literal(0),
            )
            .where(active)
            .where(~sa.exists().where(health.c.connection_id == connections.c.id))
        )
        insert = self._insert(health).from_select(
            [
                "connection_id",
                "poll_attempts",
                "poll_failures",
                "previous_attempts",
                "previous_failures",
            ],
            missing,
        )
        self._connection.execute(insert.on_conflict_do_nothing())
        statement = (
            sa.select(health.c.connection_id)
            .join(connections, connections.c.id == health.c.connection_id)
            .where(active)
            .where(sa.or_(health.c.checked_at.is_(None), health.c.checked_at <= now - every))
            .order_by(health.c.checked_at.nulls_first(), health.c.connection_id)
            .limit(limit)
            .with_for_update(of=health, skip_locked=True)
        )
        return list(self._connection.execute(statement).scalars())

    def note_unacknowledged(
        self, connection_id: UUID, reasons: Mapping[str, str], now: datetime
    ) -> None:
        """Upsert, keeping the first-seen time (and the notification) of a known one."""
        if not reasons:
            return
        statement = self._insert(tables.unacknowledged_reservations)
        statement = statement.on_conflict_do_update(
            index_elements=["connection_id", "external_id"],
            set_={"reason": statement.excluded.reason},
        )
        self._connection.execute(
            statement,
            [
                {
                    "connection_id": connection_id,
                    "external_id": external_id,
                    "first_seen_at": now,
                    "reason": reason,
                    "notified_at": None,
                }
                for external_id, reason in sorted(reasons.items())
            ],
        )

    def clear_unacknowledged(self, connection_id: UUID, external_ids: Collection[str]) -> None:
        """Delete the acknowledged ones."""
        if not external_ids:
            return
        table = tables.unacknowledged_reservations
        self._connection.execute(
            table.delete().where(
                table.c.connection_id == connection_id,
                table.c.external_id.in_(sorted(set(external_ids))),
            )
        )

    def unacknowledged(self, connection_id: UUID) -> builtins.list[UnacknowledgedReservation]:
        """First seen first."""
        table = tables.unacknowledged_reservations
        rows = self._connection.execute(
            sa.select(table)
            .where(table.c.connection_id == connection_id)
            .order_by(table.c.first_seen_at, table.c.external_id)
        ).mappings()
        return [
            UnacknowledgedReservation(
                connection_id=row["connection_id"],
                external_id=row["external_id"],
                first_seen_at=row["first_seen_at"],
                reason=row["reason"],
                notified_at=row["notified_at"],
            )
            for row in rows
        ]

    def mark_notified(
        self, connection_id: UUID, external_ids: Collection[str], now: datetime
    ) -> None:
        """Set ``notified_at``."""
        if not external_ids:
            return
        table = tables.unacknowledged_reservations
        self._connection.execute(
            table.update()
            .where(
                table.c.connection_id == connection_id,
                table.c.external_id.in_(sorted(set(external_ids))),
            )
            .values(notified_at=now)
        )

    def outbox_activity(self, connection_id: UUID, since: datetime) -> OutboxActivity:
        """One aggregate over the connection's outbound messages (its index by connection)."""
        table = tables.outbound_messages
        state = table.c.state
        delivered = state == OutboundState.DELIVERED.value
        # Active in the window: created, delivered or (re)tried in it; a message waiting
        # for its next attempt has next_attempt_at ahead, so it counts while it retries.
        active = sa.or_(
            table.c.created_at >= since,
            table.c.delivered_at >= since,
            sa.and_(~delivered, table.c.next_attempt_at >= since),
        )
        statement = sa.select(
            sa.func.max(table.c.delivered_at),
            sa.func.count().filter(state.in_(_OPEN)),
            sa.func.min(table.c.created_at).filter(state.in_(_OPEN)),
            sa.func.count().filter(state == OutboundState.FAILED.value),
            sa.func.coalesce(sa.func.sum(table.c.attempts).filter(active), 0),
            sa.func.count().filter(active, delivered),
        ).where(table.c.connection_id == connection_id)
        row = self._connection.execute(statement).one()
        attempts = int(row[4] or 0)
        successes = int(row[5] or 0)
        return OutboxActivity(
            last_delivered_at=row[0],
            queued=int(row[1] or 0),
            oldest_queued_at=row[2],
            given_up=int(row[3] or 0),
            attempts=Attempts(attempts, max(0, attempts - successes)),
        )
