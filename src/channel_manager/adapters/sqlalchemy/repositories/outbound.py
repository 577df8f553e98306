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

Coalescing (issue 18): :meth:`~SqlAlchemyOutboundMessageRepository.lock_mergeable` finds the
newest undelivered message of an ordering key, kind and month and locks it only when it is
pending and unclaimed (PostgreSQL: ``FOR UPDATE SKIP LOCKED``). A claim that holds the row
makes the lock fail (the caller queues a new message instead), and a held lock makes the claim
skip the row and, the row being pending in its snapshot, every later row of the key: the two
never both win.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection
from datetime import date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.sql.selectable import NamedFromClause

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.outbound import outbound_from_row, outbound_to_row
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.sync import (
    OutboundKind,
    OutboundMessage,
    OutboundState,
    OutboxSummary,
)

_OPEN_STATES = (OutboundState.PENDING.value, OutboundState.IN_FLIGHT.value)


def _undelivered(state: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """``state IN ('pending', 'in_flight', 'failed')`` written out, as the partial index
    ``ix_outbound_messages_undelivered`` says it (SQLite uses a partial index only for a query
    that repeats its condition, which a bound parameter does not)."""
    states = [*_OPEN_STATES, OutboundState.FAILED.value]
    return state.in_(sa.bindparam("undelivered_states", states, literal_execute=True))


def _claimable(
    table: NamedFromClause,
    now: datetime,
    skip_connections: Collection[UUID],
    skip_channels: Collection[str],
) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``table`` (the outbox or an alias) of a message a worker may start now:
    due, of an active connection not skipped, and the head of its ordering key."""
    connections = tables.connections
    active = sa.select(connections.c.id).where(
        connections.c.status == ConnectionStatus.ACTIVE.value
    )
    if skip_channels:
        active = active.where(connections.c.channel.not_in(list(skip_channels)))
    earlier = tables.outbound_messages.alias(f"earlier_{table.name}")
    blocked_by_earlier = sa.exists().where(
        earlier.c.ordering_key == table.c.ordering_key,
        earlier.c.state.in_(_OPEN_STATES),
        sa.or_(
            earlier.c.created_at < table.c.created_at,
            sa.and_(earlier.c.created_at == table.c.created_at, earlier.c.id < table.c.id),
        ),
    )
    conditions = [
        # Pending and due, or in flight with an expired claim (a dead worker's).
        table.c.state.in_(_OPEN_STATES),
        table.c.next_attempt_at <= now,
        # A revoked connection's hotel may be held by another one now: never sent.
        table.c.connection_id.in_(active),
        ~blocked_by_earlier,
    ]
    if skip_connections:
        conditions.append(table.c.connection_id.not_in(list(skip_connections)))
    return conditions


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

    def lock_mergeable(
        self, ordering_key: str, kind: OutboundKind, month: date
    ) -> OutboundMessage | None:
        """The newest undelivered (pending, in flight or failed) message of ``ordering_key``,
        ``kind`` and ``month``, locked for the rest of the unit of work, when it is pending and
        unclaimed; else ``None``."""
        table = tables.outbound_messages
        newest = table.alias("newest")
        newest_open = (
            sa.select(newest.c.id)
            .where(
                newest.c.ordering_key == ordering_key,
                _undelivered(newest.c.state),
                newest.c.kind == kind.value,
                newest.c.payload["month"].as_string() == month.isoformat(),
            )
            .order_by(newest.c.created_at.desc(), newest.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        statement = (
            sa.select(table)
            .where(
                table.c.id == newest_open,
                table.c.state == OutboundState.PENDING.value,
                table.c.claimed_by.is_(None),
            )
            # A row a claim (or another merge) holds is skipped: the caller queues anew.
            .with_for_update(skip_locked=True)
        )
        row = self._connection.execute(statement).mappings().first()
        return None if row is None else outbound_from_row(row)

    def claim_due(
        self,
        now: datetime,
        worker_id: str,
        limit: int,
        *,
        per_connection: int | None = None,
        skip_connections: Collection[UUID] = (),
        skip_channels: Collection[str] = (),
    ) -> builtins.list[OutboundMessage]:
        """Start up to ``limit`` due head-of-line messages of active connections for
        ``worker_id``, oldest first: at most ``per_connection`` of one connection, none of
        ``skip_connections`` or of connections on ``skip_channels`` (out of request budget)."""
        table = tables.outbound_messages
        claimable = _claimable(table, now, skip_connections, skip_channels)
        if per_connection is not None:
            # Ranked in a subquery of its own: PostgreSQL locks no rows of a query with a
            # window function, and the outer query must lock what it claims.
            ranked_from = table.alias("ranked_from")
            rank = sa.func.row_number().over(
                partition_by=ranked_from.c.connection_id,
                order_by=(ranked_from.c.created_at, ranked_from.c.id),
            )
            ranked = (
                sa.select(ranked_from.c.id, rank.label("rank"))
                .where(*_claimable(ranked_from, now, skip_connections, skip_channels))
                .subquery("ranked")
            )
            first = sa.select(ranked.c.id).where(ranked.c.rank <= per_connection)
            claimable.append(table.c.id.in_(first))
        statement = (
            sa.select(table)
            .where(*claimable)
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
