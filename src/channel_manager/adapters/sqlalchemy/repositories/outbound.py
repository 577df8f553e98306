"""The outbound (ARI) queue and how workers claim from it.

Claiming selects due pending messages that are the head of their ordering key: no earlier
message (by ``created_at``, then ``id``) with the same key is pending or in flight. That keeps
per-hotel order: a later change is never sent while an earlier one may still be on its way.

On PostgreSQL the select uses ``FOR UPDATE OF outbound_messages SKIP LOCKED``: a worker skips
rows another worker is claiming right now, and because the skipped head is still ``pending`` in
its snapshot, the head's successors stay blocked too. A claim is a lease: while in flight
``next_attempt_at`` is its end, and a message whose worker died is claimed again after it. On
SQLite the unit of work's ``BEGIN
IMMEDIATE`` makes each claim exclusive; run one worker there.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.outbound import outbound_from_row, outbound_to_row
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.sync import OutboundMessage, OutboundState, OutboxSummary

_OPEN_STATES = (OutboundState.PENDING.value, OutboundState.IN_FLIGHT.value)


class SqlAlchemyOutboundMessageRepository:
    """Outbox rows, claimed by workers in per-ordering-key order."""

    def __init__(
        self, connection: sa.Connection, on_add: Callable[[], None] = lambda: None
    ) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.outbound_messages, "outbound message")
        self._on_add = on_add  # the unit of work notes that it holds outbound work

    def get(self, id: UUID) -> OutboundMessage:
        """The message; NotFound when unknown."""
        return self._rows.one(outbound_from_row, id)

    def add(self, message: OutboundMessage) -> None:
        """Queue a message; a reused id is a DuplicateRecord.

        No savepoint (two round trips less per message): ids are fresh, so a violation means a
        vanished connection or a bug, which no caller recovers from inside its transaction.
        """
        self._rows.insert(outbound_to_row(message), str(message.id), savepoint=False)
        self._on_add()

    def update(self, message: OutboundMessage) -> None:
        """Overwrite a message (after an attempt, a retry, a replay)."""
        self._rows.update(outbound_to_row(message))

    def claim_due(
        self, now: datetime, worker_id: str, limit: int
    ) -> builtins.list[OutboundMessage]:
        """Start up to ``limit`` due head-of-line messages of active connections for
        ``worker_id``, oldest first."""
        table = tables.outbound_messages
        connections = tables.connections
        active = sa.select(connections.c.id).where(
            connections.c.status == ConnectionStatus.ACTIVE.value
        )
        earlier = table.alias("earlier")
        blocked_by_earlier = sa.exists().where(
            earlier.c.ordering_key == table.c.ordering_key,
            earlier.c.state.in_(_OPEN_STATES),
            sa.or_(
                earlier.c.created_at < table.c.created_at,
                sa.and_(earlier.c.created_at == table.c.created_at, earlier.c.id < table.c.id),
            ),
        )
        statement = (
            sa.select(table)
            .where(
                # Pending and due, or in flight with an expired claim (a dead worker's).
                table.c.state.in_(_OPEN_STATES),
                table.c.next_attempt_at <= now,
                # A revoked connection's hotel may be held by another one now: never sent.
                table.c.connection_id.in_(active),
                ~blocked_by_earlier,
            )
            .order_by(table.c.created_at, table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=table)
        )
        due = [outbound_from_row(row) for row in self._connection.execute(statement).mappings()]
        started = [message.start_attempt(now, worker_id) for message in due]
        for message in started:
            self._connection.execute(
                table.update()
                .where(table.c.id == message.id)
                .values(
                    state=message.state.value,
                    attempts=message.attempts,
                    claimed_by=message.claimed_by,
                    claimed_at=now,
                    next_attempt_at=message.next_attempt_at,
                )
            )
        return started

    def give_up_open(self, connection_id: UUID, reason: str) -> int:
        """Fail every pending or in-flight message of the connection with ``reason``."""
        table = tables.outbound_messages
        open_messages = self._rows.many(
            outbound_from_row,
            table.c.connection_id == connection_id,
            table.c.state.in_(_OPEN_STATES),
        )
        for message in open_messages:
            self._rows.update(outbound_to_row(message.fail_permanently(reason)))
        return len(open_messages)

    def give_up_revoked(self, reason: str) -> int:
        """Fail every open message of a revoked connection with ``reason``; how many."""
        table = tables.outbound_messages
        connections = tables.connections
        revoked = sa.select(connections.c.id).where(
            connections.c.status == ConnectionStatus.REVOKED.value
        )
        open_messages = self._rows.many(
            outbound_from_row,
            table.c.connection_id.in_(revoked),
            table.c.state.in_(_OPEN_STATES),
        )
        for message in open_messages:
            self._rows.update(outbound_to_row(message.fail_permanently(reason)))
        return len(open_messages)

    def release(self, worker_id: str) -> int:
        """Return every message in flight for ``worker_id`` to pending; how many."""
        table = tables.outbound_messages
        in_flight = self._rows.many(
            outbound_from_row,
            table.c.state == OutboundState.IN_FLIGHT.value,
            table.c.claimed_by == worker_id,
        )
        for message in in_flight:
            self._rows.update(outbound_to_row(message.release()))
        return len(in_flight)

    def summary(self, connection_id: UUID) -> OutboxSummary:
        """Counts per state and the oldest open message, in one grouped query."""
        table = tables.outbound_messages
        rows = self._connection.execute(
            sa.select(table.c.state, sa.func.count(), sa.func.min(table.c.created_at))
            .where(table.c.connection_id == connection_id)
            .group_by(table.c.state)
        ).all()
        counts = {OutboundState(state): int(count) for state, count, _ in rows}
        open_states = {OutboundState.PENDING.value, OutboundState.IN_FLIGHT.value}
        oldest = min((first for state, _, first in rows if state in open_states), default=None)
        return OutboxSummary(counts=counts, oldest_open_at=oldest)

    def list(
        self,
        *,
        organization_id: UUID | None = None,
        connection_id: UUID | None = None,
        state: OutboundState | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[OutboundMessage]:
        """Messages, newest first (then by id descending), filtered and paged."""
        table = tables.outbound_messages
        where: list[sa.ColumnElement[bool]] = []
        if organization_id is not None:
            # In the query, before the page is cut: another organisation's volume can
            # neither fill the page nor hide this one's messages.
            owned = sa.select(tables.connections.c.id).where(
                tables.connections.c.organization_id == organization_id
            )
            where.append(table.c.connection_id.in_(owned))
        if connection_id is not None:
            where.append(table.c.connection_id == connection_id)
        if state is not None:
            where.append(table.c.state == state.value)
        return self._rows.many(
            outbound_from_row,
            *where,
            order_by=(table.c.created_at.desc(), table.c.id.desc()),
            limit=limit,
            offset=offset,
        )
