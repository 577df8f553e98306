"""Where application services record events for webhooks: in the caller's unit of work, so an
event exists exactly when what it reports was committed (an outbox, delivered later)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from uuid import UUID

from channel_manager.domain.events import EventType
from channel_manager.ports.repositories import UnitOfWork

#: A JSON value as an event's ``data`` carries it (no secrets, no guest payment data).
JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class EventSink(Protocol):
    """Records events of an organisation; subscribers receive them after the commit."""

    def wants(self, uow: UnitOfWork, organization_id: UUID, event: EventType) -> bool:
        """Whether anyone would receive ``event`` of the organisation: an event that costs
        reads to find (an overbooking) is looked for only then."""
        ...

    def emit(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        event: EventType,
        data: Mapping[str, JsonValue],
        *,
        order_key: str | None = None,
    ) -> None:
        """Record ``event`` with ``data`` in ``uow`` (the caller commits). Events sharing an
        ``order_key`` (for example ``reservation:<id>``) are delivered to each subscriber in
        the order they were emitted."""
        ...


class NoEvents:
    """An event sink that records nothing (no subscriber, or a tool that must not notify)."""

    def wants(self, uow: UnitOfWork, organization_id: UUID, event: EventType) -> bool:  # noqa: ARG002
        """Never."""
        return False

    def emit(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        event: EventType,
        data: Mapping[str, JsonValue],
        *,
        order_key: str | None = None,
    ) -> None:
        """Nothing."""
