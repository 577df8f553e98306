"""The opening calendar: when a room's availability starts going out (newly mapped, mapped to
another unit, or its hotel newly synced), every night of the coming year is sent, not only the
nights bookings changed, so the channel's calendar starts from ours.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

import attrs

from channel_manager.domain.connection import Connection
from channel_manager.domain.inventory import local_today
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.ports.repositories import UnitOfWork

#: How many nights, from the property's today, a room's opening calendar covers. There is no
#: ARI horizon setting; Booking.com wants at least twelve months loaded.
CALENDAR_DAYS = 365


@attrs.frozen
class OpeningCalendar:
    """The rooms of one hotel mapping whose availability goes out for the first time, and the
    nights to send for them."""

    mapping: PropertyMapping
    units: tuple[UnitMapping, ...] = ()
    nights: tuple[date, ...] = ()

    def covers(self) -> set[tuple[UUID, date]]:
        """Every (unit, night) this calendar sends."""
        return {(unit.internal_unit_id, night) for unit in self.units for night in self.nights}


def live_rooms(uow: UnitOfWork, connection: Connection, hotel_code: str) -> dict[str, UUID]:
    """The hotel's room types whose availability already goes out (its mapping syncs), with
    their units; empty for a hotel not mapped or not synced yet. Read before a save."""
    mapping = uow.property_mappings.find(connection.id, hotel_code)
    if mapping is None or not mapping.sync_enabled:
        return {}
    return {
        unit.external_room_type_id: unit.internal_unit_id
        for unit in uow.unit_mappings.list_by_property_mapping(mapping.id)
    }


def opening_calendar(
    uow: UnitOfWork, connection: Connection, hotel_code: str, before: dict[str, UUID], now: datetime
) -> OpeningCalendar:
    """After a save: the rooms of ``hotel_code`` that were not live ``before`` (its
    :func:`live_rooms` then) and are now, over the property's own today and the
    :data:`CALENDAR_DAYS` - 1 nights after it."""
    mapping = uow.property_mappings.find(connection.id, hotel_code)
    assert mapping is not None  # just written
    if not mapping.sync_enabled:
        return OpeningCalendar(mapping)
    units = tuple(
        unit
        for unit in uow.unit_mappings.list_by_property_mapping(mapping.id)
        if before.get(unit.external_room_type_id) != unit.internal_unit_id
    )
    if not units:
        return OpeningCalendar(mapping)
    today = local_today(now, uow.properties.get(mapping.internal_property_id).timezone)
    nights = tuple(today + timedelta(days=day) for day in range(CALENDAR_DAYS))
    return OpeningCalendar(mapping, units, nights)
