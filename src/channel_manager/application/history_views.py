"""Read models of the history pages (push history, message log, sync runs) across all of an
organisation's connections: names for the channel's codes, and where a push waits in its queue.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

import attrs

from channel_manager.domain.connection import Connection
from channel_manager.domain.sync import OutboundMessage, OutboundState
from channel_manager.ports.repositories import UnitOfWork


@attrs.frozen(kw_only=True)
class CatalogNames:
    """A connection's hotels, rooms and rate plans by the channel's codes, named as the mapping
    names them (the channel's name, else ours). Codes never mapped have no name here."""

    hotels: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    rooms: Mapping[tuple[str, str], str] = attrs.field(factory=dict, hash=False)
    rate_plans: Mapping[tuple[str, str], str] = attrs.field(factory=dict, hash=False)

    def hotel(self, hotel_code: str) -> str | None:
        """The hotel's name, or ``None`` when it is not mapped."""
        return self.hotels.get(hotel_code)

    def room(self, hotel_code: str, room_type_code: str) -> str | None:
        """The room type's name within its hotel, or ``None``."""
        return self.rooms.get((hotel_code, room_type_code))

    def rate_plan(self, hotel_code: str, rate_plan_code: str) -> str | None:
        """The rate plan's name within its hotel, or ``None``."""
        return self.rate_plans.get((hotel_code, rate_plan_code))


@attrs.frozen(kw_only=True)
class NamedConnection:
    """A connection with the names of what it maps."""

    connection: Connection
    names: CatalogNames


def catalog_names(uow: UnitOfWork, connection_id: UUID) -> CatalogNames:
    """The names of a connection's mapped hotels, rooms and rate plans."""
    hotels: dict[str, str] = {}
    rooms: dict[tuple[str, str], str] = {}
    plans: dict[tuple[str, str], str] = {}
    for mapping in uow.property_mappings.list_by_connection(connection_id):
        code = mapping.external_property_id
        ours = uow.properties.get(mapping.internal_property_id)
        hotels[code] = mapping.external_property_name or ours.name
        units = {u.id: u.name for u in uow.units.list_by_property(ours.id)}
        for room in uow.unit_mappings.list_by_property_mapping(mapping.id):
            name = room.external_room_type_name or units.get(room.internal_unit_id)
            if name:
                rooms[(code, room.external_room_type_id)] = name
        our_plans = {p.id: p.name for p in uow.rate_plans.list_by_property(ours.id)}
        for plan in uow.rate_plan_mappings.list_by_property_mapping(mapping.id):
            name = plan.external_rate_plan_name or our_plans.get(plan.internal_rate_plan_id)
            if name:
                plans[(code, plan.external_rate_plan_id)] = name
    return CatalogNames(hotels=hotels, rooms=rooms, rate_plans=plans)


@attrs.frozen(kw_only=True)
class QueuePlace:
    """Where a pending push waits: behind ``ahead`` earlier open pushes with the same ordering
    key (its hotel), the first of which, ``head``, has to go out before anything after it."""

    head: OutboundMessage
    ahead: int


_T = TypeVar("_T")

_OPEN = frozenset({OutboundState.PENDING, OutboundState.IN_FLIGHT})


def queue_places(open_messages: Iterable[OutboundMessage]) -> dict[UUID, QueuePlace]:
    """For every open push that an earlier open push with its ordering key holds back (the
    worker's rule: oldest first by ``created_at``, then ``id``), where it waits."""
    by_key: dict[str, list[OutboundMessage]] = {}
    for message in open_messages:
        if message.state in _OPEN:
            by_key.setdefault(message.ordering_key, []).append(message)
    places: dict[UUID, QueuePlace] = {}
    for queue in by_key.values():
        queue.sort(key=lambda m: (m.created_at, m.id))
        head = queue[0]
        for ahead, message in enumerate(queue[1:], start=1):
            places[message.id] = QueuePlace(head=head, ahead=ahead)
    return places


def merge_newest(
    lists: Iterable[Sequence[_T]], key: Callable[[_T], datetime], limit: int
) -> list[_T]:
    """The newest ``limit`` items of several lists that are each newest first (one per
    connection), newest first: the organisation's page is within each connection's page."""
    return list(itertools.islice(heapq.merge(*lists, key=key, reverse=True), limit))
