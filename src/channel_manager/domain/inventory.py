"""Our own inventory: organisations, properties, units (sellable room types) and rate plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.money import check_currency
from channel_manager.domain.pricing import PriceModifier

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


def _derivation(instance: RatePlan, _attribute: object, modifier: PriceModifier | None) -> None:
    if (instance.parent_rate_plan_id is None) != (modifier is None):
        raise InvalidValue("a derived rate plan has both a parent and a modifier, others neither")
    if instance.parent_rate_plan_id == instance.id:
        raise InvalidValue("a rate plan cannot be derived from itself")


@attrs.frozen
class RatePlan:
    """A price plan of a property (for example "Standard" or "Non-refundable").

    A *derived* plan has a parent (another plan of the property, itself not derived) and a
    modifier: its rate every night is the parent's with the modifier applied, and when
    ``inherit_restrictions`` its restrictions are the parent's too (see domain/derived.py).
    """

    id: UUID
    property_id: UUID
    name: str
    code: str
    parent_rate_plan_id: UUID | None = None
    modifier: PriceModifier | None = attrs.field(default=None, validator=_derivation)
    inherit_restrictions: bool = True

    @property
    def is_derived(self) -> bool:
        """True when its rate follows a parent plan."""
        return self.parent_rate_plan_id is not None
