"""Sync runs, the message log and sealed secrets."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows import operations as rows
from channel_manager.domain.errors import NotFound
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.sync import SyncRun


class SqlAlchemySyncRunRepository:
    """Sync runs."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.sync_runs, "sync run")

    def get(self, id: UUID) -> SyncRun:
        """The run; NotFound when unknown."""
        return self._rows.one(rows.sync_run_from_row, id)

    def add(self, run: SyncRun) -> None:
        """Record a new run."""
        self._rows.insert(rows.sync_run_to_row(run), run.id)

    def update(self, run: SyncRun) -> None:
        """Overwrite a run (progress, finish)."""
        self._rows.update(rows.sync_run_to_row(run))

    def list_by_connection(self, connection_id: UUID, limit: int = 50) -> list[SyncRun]:
        """A connection's runs, newest first."""
        table = tables.sync_runs
        return self._rows.many(
            rows.sync_run_from_row,
            table.c.connection_id == connection_id,
            order_by=(table.c.started_at.desc(), table.c.id.desc()),
            limit=limit,
        )


class SqlAlchemyMessageLogRepository:
    """The message log (bodies arrive already redacted)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.message_log, "message log entry")

    def add(self, entry: MessageLogEntry) -> None:
        """Append an entry. Without a savepoint: its id is new, so only a vanished connection
        can refuse it, and then the message it records fails with it (a push writes its
        entries in the transaction that stores the reservations).
        """
        self._rows.insert(rows.message_log_to_row(entry), entry.id, savepoint=False)

    def add_many(self, entries: Sequence[MessageLogEntry]) -> None:
        """Append entries in one statement (executemany), without a savepoint as :meth:`add`."""
        if entries:
            self._rows.connection.execute(
                tables.message_log.insert(), [rows.message_log_to_row(e) for e in entries]
            )

    def list(
        self, connection_id: UUID, *, limit: int = 100, offset: int = 0
    ) -> builtins.list[MessageLogEntry]:
        """A connection's messages, newest first."""
        table = tables.message_log
        return self._rows.many(
            rows.message_log_from_row,
            table.c.connection_id == connection_id,
            order_by=(table.c.created_at.desc(), table.c.id.desc()),
            limit=limit,
            offset=offset,
        )

    def latest(
        self, connection_id: UUID, *, endpoint: str, direction: MessageDirection
    ) -> MessageLogEntry | None:
        """A connection's newest message at ``endpoint`` in ``direction``, or ``None``
        (``ix_message_log_connection_endpoint_created`` finds it without a scan)."""
        table = tables.message_log
        found = self._rows.many(
            rows.message_log_from_row,
            table.c.connection_id == connection_id,
            table.c.endpoint == endpoint,
            table.c.direction == direction.value,
            order_by=(table.c.created_at.desc(), table.c.id.desc()),
            limit=1,
        )
        return found[0] if found else None


class SqlAlchemySecretRepository:
    """Sealed secret blobs by reference: only vault output is ever stored."""

    def __init__(self, connection: sa.Connection, now: Callable[[], datetime]) -> None:
        self._connection = connection
        self._now = now

    def get(self, ref: str) -> bytes:
        """The sealed blob; NotFound when unknown."""
        table = tables.sealed_secrets
        sealed = self._connection.execute(
            sa.select(table.c.sealed).where(table.c.ref == ref)
        ).scalar_one_or_none()
        if sealed is None:
            raise NotFound("secret", ref)
        return bytes(sealed)

    def put(self, ref: str, sealed: bytes) -> None:
        """Insert or replace the blob under ``ref``."""
        table = tables.sealed_secrets
        now = self._now()
        updated = self._connection.execute(
            table.update().where(table.c.ref == ref).values(sealed=sealed, updated_at=now)
        )
        if updated.rowcount == 0:
            self._connection.execute(
                table.insert().values(ref=ref, sealed=sealed, created_at=now, updated_at=now)
            )

    def delete(self, ref: str) -> None:
        """Forget the blob; no error when it is already gone."""
        table = tables.sealed_secrets
        self._connection.execute(table.delete().where(table.c.ref == ref))

    def take_lease(self, ref: str, owner: str, now: datetime, until: datetime) -> bool:
        """One conditional UPDATE: atomic between transactions (PostgreSQL re-checks the
        condition after waiting for a concurrent writer of the row; SQLite transactions
        begin IMMEDIATE, so writers are serialised)."""
        table = tables.sealed_secrets
        free = sa.or_(
            table.c.lease_owner.is_(None),
            table.c.lease_owner == owner,
            table.c.leased_until <= now,
        )
        taken = self._connection.execute(
            table.update()
            .where(table.c.ref == ref, free)
            .values(lease_owner=owner, leased_until=until)
        )
        if taken.rowcount == 1:
            return True
        self.get(ref)  # NotFound when there is nothing to lease
        return False

    def release_lease(self, ref: str, owner: str) -> None:
        """Clear ``owner``'s lease; another owner's lease stays."""
        table = tables.sealed_secrets
        self._connection.execute(
            table.update()
            .where(table.c.ref == ref, table.c.lease_owner == owner)
            .values(lease_owner=None, leased_until=None)
        )

    def all_refs(self) -> list[str]:
        """Every stored reference, sorted."""
        table = tables.sealed_secrets
        return list(
            self._connection.execute(sa.select(table.c.ref).order_by(table.c.ref)).scalars()
        )
