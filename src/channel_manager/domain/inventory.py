"""Our own inventory: organisations, properties, units (sellable room types) and rate plans."""

from __future__ import annotations

from uuid import UUID

import attrs

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.money import check_currency


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise InvalidValue(f"{attribute.name} must be at least 1, got {value}")


def _not_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidValue(f"{attribute.name} must not be negative, got {value}")


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


@attrs.frozen
class Unit:
    """A sellable room type of a property; ``count`` is how many identical rooms exist."""

    id: UUID
    property_id: UUID
    name: str
    count: int = attrs.field(default=1, validator=_not_negative)
    max_occupancy: int = attrs.field(default=2, validator=_positive)


@attrs.frozen
class RatePlan:
    """A price plan of a property (for example "Standard" or "Non-refundable")."""

    id: UUID
    property_id: UUID
    name: str
    code: str
