"""Our own inventory: organisations, properties, units (sellable room types) and rate plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.money import check_currency

#: More identical rooms than any room type has, and more guests than any room sleeps: beyond
#: these a figure is a typing error (and would overflow the databases' integer columns).
MAX_UNIT_COUNT = 10_000
MAX_OCCUPANCY = 999


def _room_count(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= MAX_UNIT_COUNT:
        raise InvalidValue(f"{attribute.name} must be 0 to {MAX_UNIT_COUNT}, got {value}")


def _occupancy(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 1 <= value <= MAX_OCCUPANCY:
        raise InvalidValue(f"{attribute.name} must be 1 to {MAX_OCCUPANCY}, got {value}")


@attrs.frozen
class Organization:
    """A tenant: owns connections, properties and API keys; sees nothing of other tenants."""

    id: UUID
    name: str


@attrs.frozen
class Property:
    """A hotel or rental in our own system. ``timezone`` is an IANA name; dates are local."""

    id: UUID
    organization_id: UUID
    name: str
    currency: str = attrs.field(validator=check_currency)
    timezone: str = "UTC"


def local_today(now: datetime, timezone: str) -> date:
    """The property's own date at ``now``: in late evening UTC, Amsterdam is already on the
    next day. An unknown zone name reads as UTC."""
    try:
        zone: tzinfo = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return now.astimezone(zone).date()


@attrs.frozen
class Unit:
    """A sellable room type of a property; ``count`` is how many identical rooms exist."""

    id: UUID
    property_id: UUID
    name: str
    count: int = attrs.field(default=1, validator=_room_count)
    max_occupancy: int = attrs.field(default=2, validator=_occupancy)


@attrs.frozen
class RatePlan:
    """A price plan of a property (for example "Standard" or "Non-refundable")."""

    id: UUID
    property_id: UUID
    name: str
    code: str
