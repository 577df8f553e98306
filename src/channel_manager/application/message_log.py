"""Persists the channel adapter's message records (already redacted) in the message log."""

from __future__ import annotations

import logging
from uuid import UUID

from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)


class MessageLogWriter:
    """Writes one entry per message, by default in a transaction of its own, so the log
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
        with self._uow_factory() as uow:
            entry = self.write_in(
                uow,
                connection_id=connection_id,
                direction=direction,
                message_type=message_type,
                endpoint=endpoint,
                body=body,
                http_status=http_status,
                outcome=outcome,
                ruid=ruid,
            )
            uow.commit()
        return entry

    def write_in(
        self,
        uow: UnitOfWork,
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
        """Like :meth:`write` inside the caller's unit of work, for a message whose entry must
        commit together with what it brought (the caller commits, and on a rollback writes the
        entry again with :meth:`write`, so the log still keeps it).
        """
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
        uow.message_log.add(entry)
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
        """The entry :meth:`write_in` would store, not stored (for a caller that stores a
        batch of entries at once with ``uow.message_log.add_many``)."""
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
