"""Persists the channel adapter's message records (already redacted) in the message log."""

from __future__ import annotations

import logging
from uuid import UUID

from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class MessageLogWriter:
    """Writes one entry per message in a transaction of its own, so the log
    survives even when the operation that sent the message rolls back.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def write(
        self,
        *,
        connection_id: UUID | None,
        direction: MessageDirection,
        message_type: str,
        endpoint: str,
        body: str,
        http_status: int | None = None,
        outcome: str | None = None,
        ruid: str | None = None,
    ) -> MessageLogEntry:
        """Store one redacted message; return the entry (its id links reservations to it)."""
        entry = self.make(
            connection_id=connection_id,
            direction=direction,
            message_type=message_type,
            endpoint=endpoint,
            body=body,
            http_status=http_status,
            outcome=outcome,
            ruid=ruid,
        )
        with self._uow_factory() as uow:
            uow.message_log.add(entry)
            uow.commit()
        return entry

    def make(
        self,
        *,
        connection_id: UUID | None,
        direction: MessageDirection,
        message_type: str,
        endpoint: str,
        body: str,
        http_status: int | None = None,
        outcome: str | None = None,
        ruid: str | None = None,
    ) -> MessageLogEntry:
        """The entry :meth:`write` would store, not stored (for a caller that stores a batch
        of entries at once with ``uow.message_log.add_many``, in its own transaction)."""
        return MessageLogEntry(
            id=self._ids.new_id(),
            connection_id=connection_id,
            direction=direction,
            message_type=message_type,
            endpoint=endpoint,
            http_status=http_status,
            outcome=outcome,
            ruid=ruid,
            body=body,
            created_at=self._clock.now(),
        )
