"""In-memory calendar, rooms booked per night and the pushes carrying calendar values.

Writes lock the rows they change for the unit of work (as the database's upserts do), so a
concurrent unit of work adding to the same night waits and then adds to the committed count
instead of overwriting it.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from uuid import UUID

import attrs

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.calendar import CalendarNight, CalendarPushLink, CalendarPushState
from channel_manager.domain.sync import OutboundMessage


class InMemoryCalendarRepository:
    """Calendar nights keyed by (unit, rate plan or None, night)."""

    def __init__(self, rows: TableView[CalendarNight]) -> None:
        self._rows = rows

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> builtins.list[CalendarNight]:
        """The stored nights of the units in ``start..end``, unit level first."""
        wanted = set(unit_ids)
        found = self._rows.select(lambda n: n.unit_id in wanted and start <= n.night <= end)
        return sorted(found, key=CalendarNight.sort_key)

    def rooms_to_sell(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """The rooms to sell set on the asked unit-level nights."""
        found: dict[UUID, dict[date, int]] = {}
        for unit_id, nights in nights_by_unit.items():
            stored = ((night, self._rows.find((unit_id, None, night))) for night in nights)
            found[unit_id] = {
                night: row.values.availability
                for night, row in stored
                if row is not None and row.values.availability is not None
            }
        return found

    def merge(self, nights: Sequence[CalendarNight]) -> None:
        """Set every given field over the stored night."""
        for night in nights:
            key = (night.unit_id, night.rate_plan_id, night.night)
            self._rows.lock_row(key)
            stored = self._rows.find(key)
            values = night.values if stored is None else stored.values.merged(night.values)
            self._rows.put(key, attrs.evolve(night, values=values))


class InMemoryBookedNightRepository:
    """Rooms booked keyed by (unit, night)."""

    def __init__(self, rows: TableView[int]) -> None:
        self._rows = rows

    def add(self, changes: Mapping[tuple[UUID, date], int]) -> dict[tuple[UUID, date], int]:
        """Add each change to the stored count (waiting for a concurrent writer's commit);
        the new counts."""
        counts: dict[tuple[UUID, date], int] = {}
        for key, change in sorted(changes.items()):
            self._rows.lock_row(key)
            counts[key] = (self._rows.find(key) or 0) + change
            self._rows.put(key, counts[key])
        return counts

    def booked(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """Rooms booked per unit on each asked night (0 when nothing is stored)."""
        return {
            unit_id: {night: self._rows.find((unit_id, night)) or 0 for night in nights}
            for unit_id, nights in nights_by_unit.items()
        }

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> dict[UUID, dict[date, int]]:
        """Stored counts of the units' nights in ``start..end``."""
        found: dict[UUID, dict[date, int]] = {unit_id: {} for unit_id in unit_ids}
        for key in self._rows.all_keys():
            assert isinstance(key, tuple)
            unit_id, night = key
            if unit_id in found and start <= night <= end:
                found[unit_id][night] = self._rows.get(key)
        return found


class InMemoryCalendarPushRepository:
    """Links keyed by (connection, unit, rate plan or None, night, field); states are read
    from the outbox beside them."""

    def __init__(
        self, rows: TableView[CalendarPushLink], outbound: TableView[OutboundMessage]
    ) -> None:
        self._rows = rows
        self._outbound = outbound

    def link(self, links: Sequence[CalendarPushLink]) -> None:
        """Record each link over the one with the same key."""
        for link in links:
            key = (link.connection_id, link.unit_id, link.rate_plan_id, link.night, link.field)
            self._rows.put(key, link)

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> builtins.list[CalendarPushState]:
        """The units' links in ``start..end`` with their pushes' current states."""
        wanted = set(unit_ids)
        found = self._rows.select(lambda k: k.unit_id in wanted and start <= k.night <= end)
        return [CalendarPushState(link, self._outbound.get(link.push_id).state) for link in found]
