"""The in-memory push inbox (issue 17)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from datetime import datetime
from uuid import UUID

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.push_inbox import InboxRow, InboxState

#: The claim standing in for the applier lock (one applier at a time).
_APPLIER = "applier"


class InMemoryPushInboxRepository:
    """Inbox rows by id; the applier lock is a claim held until the unit of work ends."""

    def __init__(self, rows: TableView[InboxRow]) -> None:
        self._rows = rows

    def add(self, row: InboxRow) -> None:
        """Insert a new row."""
        self._rows.insert(row.id, row)

    def get(self, id: UUID) -> InboxRow:
        """The row; NotFound when unknown."""
        return self._rows.get(id)

    def claim_due(
        self, now: datetime, limit: int, ids: Collection[UUID] | None = None
    ) -> builtins.list[InboxRow]:
        """Due pending rows oldest first, under the applier lock (empty without it)."""
        if not self._rows.try_claim(_APPLIER):
            return []
        due = self._rows.select(
            lambda row: (
                row.state is InboxState.PENDING
                and row.due_at() <= now
                and (ids is None or row.id in ids)
            )
        )
        return _oldest_first(due)[:limit]

    def update(self, row: InboxRow) -> None:
        """Overwrite the row; NotFound when it is gone."""
        self._rows.replace(row.id, row)

    def delete(self, ids: Collection[UUID]) -> None:
        """Forget applied rows."""
        for id in ids:
            self._rows.delete(id)

    def list(
        self,
        state: InboxState | None = None,
        connection_ids: Collection[UUID] | None = None,
        limit: int = 100,
    ) -> builtins.list[InboxRow]:
        """Rows oldest first, filtered by state and by the connections they route to."""
        return _oldest_first(self._matching(state, connection_ids))[:limit]

    def count(self, state: InboxState, connection_ids: Collection[UUID] | None = None) -> int:
        """How many rows are in ``state`` (routed to ``connection_ids`` when given)."""
        return len(self._matching(state, connection_ids))

    def _matching(
        self, state: InboxState | None, connection_ids: Collection[UUID] | None
    ) -> builtins.list[InboxRow]:
        wanted = None if connection_ids is None else set(connection_ids)
        return list(
            self._rows.select(
                lambda row: (
                    (state is None or row.state is state)
                    and (wanted is None or bool(row.connection_ids & wanted))
                )
            )
        )


def _oldest_first(rows: Iterable[InboxRow]) -> builtins.list[InboxRow]:
    return sorted(rows, key=lambda row: (row.received_at, str(row.id)))
