"""The push inbox (issue 17) and its one applier at a time.

:meth:`SqlAlchemyPushInboxRepository.claim_due` first takes the applier lock: on PostgreSQL
``pg_try_advisory_xact_lock`` (held until the transaction ends, so a crashed applier's lock
goes with its connection; another applier gets nothing and finds the rows on its next pass);
on SQLite the unit of work's ``BEGIN IMMEDIATE`` already makes the transaction the only
writer. Rows are then read in arrival order.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.engine import is_postgresql
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.push_inbox import InboxFailure, InboxRoute, InboxRow, InboxState

#: The advisory lock key of the inbox applier (any constant no other code uses).
APPLIER_LOCK = 0x70_75_73_68_69_6E  # "pushin"


def inbox_to_row(row: InboxRow) -> Row:
    """Columns of ``push_inbox``."""
    return {
        "id": row.id,
        "channel": row.channel,
        "received_at": row.received_at,
        "sealed_body": row.sealed_body,
        "message_type": row.message_type,
        "ruid": row.ruid,
        "routes": [
            {
                "reservation_id": route.reservation_id,
                "hotel_code": route.hotel_code,
                "connection_id": None if route.connection_id is None else str(route.connection_id),
            }
            for route in row.routes
        ],
        "connection_keys": "".join(f" {key}" for key in sorted(map(str, row.connection_ids))) + " ",
        "state": row.state.value,
        "attempts": row.attempts,
        "next_attempt_at": row.due_at(),
        "failure": None if row.failure is None else row.failure.value,
        "last_error": row.last_error,
    }


def inbox_from_row(row: sa.RowMapping) -> InboxRow:
    """An inbox row from its row."""
    routes: list[dict[str, Any]] = row["routes"]
    return InboxRow(
        id=row["id"],
        channel=row["channel"],
        received_at=row["received_at"],
        sealed_body=bytes(row["sealed_body"]),
        message_type=row["message_type"],
        ruid=row["ruid"],
        routes=tuple(
            InboxRoute(
                reservation_id=route["reservation_id"],
                hotel_code=route["hotel_code"],
                connection_id=None
                if route["connection_id"] is None
                else UUID(route["connection_id"]),
            )
            for route in routes
        ),
        state=InboxState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        failure=None if row["failure"] is None else InboxFailure(row["failure"]),
        last_error=row["last_error"],
    )


class SqlAlchemyPushInboxRepository:
    """``push_inbox`` rows."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.push_inbox, "push inbox row")

    def add(self, row: InboxRow) -> None:
        """Insert a new row (no savepoint: its id is fresh)."""
        self._rows.insert(inbox_to_row(row), row.id, savepoint=False)

    def get(self, id: UUID) -> InboxRow:
        """The row; NotFound when unknown."""
        return self._rows.one(inbox_from_row, id)

    def claim_due(
        self, now: datetime, limit: int, ids: Collection[UUID] | None = None
    ) -> builtins.list[InboxRow]:
        """Due pending rows oldest first, under the applier lock (empty without it)."""
        if is_postgresql(self._connection.engine):
            locked = self._connection.execute(
                sa.select(sa.func.pg_try_advisory_xact_lock(APPLIER_LOCK))
            ).scalar_one()
            if not locked:
                return []
        table = tables.push_inbox
        where = [table.c.state == InboxState.PENDING.value, table.c.next_attempt_at <= now]
        if ids is not None:
            where.append(table.c.id.in_(list(ids)))
        return self._rows.many(
            inbox_from_row, *where, order_by=(table.c.received_at, table.c.id), limit=limit
        )

    def update(self, row: InboxRow) -> None:
        """Overwrite the row; NotFound when it is gone."""
        self._rows.update(inbox_to_row(row))

    def delete(self, ids: Collection[UUID]) -> None:
        """Forget applied rows."""
        if ids:
            table = tables.push_inbox
            self._connection.execute(table.delete().where(table.c.id.in_(list(ids))))

    def list(
        self,
        state: InboxState | None = None,
        connection_ids: Collection[UUID] | None = None,
        limit: int = 100,
    ) -> builtins.list[InboxRow]:
        """Rows oldest first, filtered by state and by the connections they route to."""
        table = tables.push_inbox
        return self._rows.many(
            inbox_from_row,
            *_where(state, connection_ids),
            order_by=(table.c.received_at, table.c.id),
            limit=limit,
        )

    def count(self, state: InboxState, connection_ids: Collection[UUID] | None = None) -> int:
        """How many rows are in ``state`` (routed to ``connection_ids`` when given)."""
        statement = (
            sa.select(sa.func.count())
            .select_from(tables.push_inbox)
            .where(*_where(state, connection_ids))
        )
        return int(self._connection.execute(statement).scalar_one())


def _where(
    state: InboxState | None, connection_ids: Collection[UUID] | None
) -> builtins.list[sa.ColumnElement[bool]]:
    table = tables.push_inbox
    where: builtins.list[sa.ColumnElement[bool]] = []
    if state is not None:
        where.append(table.c.state == state.value)
    if connection_ids is not None:
        if not connection_ids:
            where.append(sa.false())
        else:
            where.append(
                sa.or_(*(table.c.connection_keys.contains(f" {key} ") for key in connection_ids))
            )
    return where
