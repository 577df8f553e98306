"""A recording :class:`~channel_manager.ports.events.EventSink` for tests: keeps every event
emitted (and only once its unit of work commits is not modelled: tests read what was emitted)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import attrs

from channel_manager.domain.events import EventType
from channel_manager.ports.events import JsonValue
from channel_manager.ports.repositories import UnitOfWork


@attrs.frozen
class RecordedEvent:
    """One emitted event."""

    organization_id: UUID
    event: EventType
    data: Mapping[str, JsonValue]
    order_key: str | None


@attrs.define
class RecordingEvents:
    """Keeps what was emitted, in order."""

    emitted: list[RecordedEvent] = attrs.field(factory=list)

    def wants(self, uow: UnitOfWork, organization_id: UUID, event: EventType) -> bool:
        """Always: every event is recorded."""
        del uow, organization_id, event
        return True

    def emit(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        event: EventType,
        data: Mapping[str, JsonValue],
        *,
        order_key: str | None = None,
    ) -> None:
        """Record the event."""
        del uow
        self.emitted.append(RecordedEvent(organization_id, event, dict(data), order_key))

    def of(self, event: EventType) -> list[RecordedEvent]:
        """The events of one type, in order."""
        return [e for e in self.emitted if e.event is event]
