"""Row translation for sync runs and message log entries."""

from __future__ import annotations

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.sync import SyncRun, SyncRunKind, SyncRunStatus


def sync_run_to_row(run: SyncRun) -> Row:
    """Columns of ``sync_runs``."""
    return {
        "id": run.id,
        "connection_id": run.connection_id,
        "kind": run.kind.value,
        "status": run.status.value,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": dict(run.counts),
        "errors": list(run.errors),
    }


def sync_run_from_row(row: sa.RowMapping) -> SyncRun:
    """A sync run from its row."""
    return SyncRun(
        id=row["id"],
        connection_id=row["connection_id"],
        kind=SyncRunKind(row["kind"]),
        status=SyncRunStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        counts={str(name): int(value) for name, value in row["counts"].items()},
        errors=tuple(row["errors"]),
    )


def message_log_to_row(entry: MessageLogEntry) -> Row:
    """Columns of ``message_log``."""
    return {
        "id": entry.id,
        "connection_id": entry.connection_id,
        "direction": entry.direction.value,
        "message_type": entry.message_type,
        "endpoint": entry.endpoint,
        "http_status": entry.http_status,
        "outcome": entry.outcome,
        "ruid": entry.ruid,
        "body": entry.body,
        "created_at": entry.created_at,
    }


def message_log_from_row(row: sa.RowMapping) -> MessageLogEntry:
    """A message log entry from its row."""
    return MessageLogEntry(
        id=row["id"],
        connection_id=row["connection_id"],
        direction=MessageDirection(row["direction"]),
        message_type=row["message_type"],
        endpoint=row["endpoint"],
        http_status=row["http_status"],
        outcome=row["outcome"],
        ruid=row["ruid"],
        body=row["body"],
        created_at=row["created_at"],
    )
