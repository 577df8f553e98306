"""Our own inventory: properties, units and rate plans of an organisation."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry

from channel_manager.application.scoping import owned_property
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.ports.clock import IdGenerator
from channel_manager.ports.repositories import UnitOfWorkFactory

#: The longest name a property or unit may have (what a page and a channel can show).
MAX_NAME_LENGTH = 200


def checked_name(name: str, kind: str) -> str:
    """``name`` without surrounding spaces; ``InvalidValue`` when empty or too long."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidValue(f"a {kind} needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidValue(f"a {kind} name has at most {MAX_NAME_LENGTH} characters")
    return cleaned


def checked_currency(currency: str) -> str:
    """An ISO 4217 currency code (pycountry's list): rates and bookings are kept in it."""
    written = currency.isascii() and currency.isupper()  # pycountry ignores case; OTA does not
    if not written or pycountry.currencies.get(alpha_3=currency) is None:
        raise InvalidValue(f"currency {currency!r} is not an ISO 4217 code such as EUR or USD")
    return currency


def checked_timezone(timezone: str) -> str:
    """An IANA time zone: a property's today and its nights are reckoned in it."""
    try:
        ZoneInfo(timezone)
    # OSError: a folder of the zone database ("America") or a name too long for a file name.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidValue(
            f"time zone {timezone!r} is not an IANA time zone such as Europe/Amsterdam"
        ) from None
    return timezone


class InventoryService:
    """Creates and lists properties, units and rate plans, scoped to one organisation."""

    def __init__(self, uow_factory: UnitOfWorkFactory, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._ids = ids

    def ensure_organization(self, name: str) -> Organization:
        """The organisation called ``name``, created if it does not exist yet."""
        with self._uow_factory() as uow:
            for organization in uow.organizations.list():
                if organization.name == name:
                    return organization
            created = Organization(id=self._ids.new_id(), name=name)
            uow.organizations.add(created)
            uow.commit()
        return created

    def create_property(
        self, organization_id: UUID, name: str, currency: str, timezone: str = "UTC"
    ) -> Property:
        """Add a property to the organisation (a name, an ISO 4217 currency, an IANA time
        zone; ``InvalidValue`` otherwise)."""
        created = Property(
            id=self._ids.new_id(),
            organization_id=organization_id,
            name=checked_name(name, "property"),
            currency=checked_currency(currency),
            timezone=checked_timezone(timezone),
        )
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            uow.properties.add(created)
            uow.commit()
        return created

    def list_properties(self, organization_id: UUID) -> list[Property]:
        """The organisation's properties."""
        with self._uow_factory() as uow:
            return uow.properties.list(organization_id)

    def create_unit(
        self,
        organization_id: UUID,
        property_id: UUID,
        name: str,
        count: int = 1,
        max_occupancy: int = 2,
    ) -> Unit:
        """Add a unit (a sellable room type with ``count`` identical rooms) to a property."""
        with self._uow_factory() as uow:
            owned_property(uow, organization_id, property_id)
            unit = Unit(
                id=self._ids.new_id(),
                property_id=property_id,
                name=checked_name(name, "unit"),
                count=count,
                max_occupancy=max_occupancy,
            )
            uow.units.add(unit)
            uow.commit()
        return unit

    def list_units(self, organization_id: UUID, property_id: UUID) -> list[Unit]:
        """A property's units."""
        with self._uow_factory() as uow:
            owned_property(uow, organization_id, property_id)
            return uow.units.list_by_property(property_id)

    def create_rate_plan(
        self, organization_id: UUID, property_id: UUID, name: str, code: str
    ) -> RatePlan:
        """Add a rate plan to a property."""
        with self._uow_factory() as uow:
            owned_property(uow, organization_id, property_id)
            plan = RatePlan(id=self._ids.new_id(), property_id=property_id, name=name, code=code)
            uow.rate_plans.add(plan)
            uow.commit()
        return plan

    def list_rate_plans(self, organization_id: UUID, property_id: UUID) -> list[RatePlan]:
        """A property's rate plans."""
        with self._uow_factory() as uow:
            owned_property(uow, organization_id, property_id)
            return uow.rate_plans.list_by_property(property_id)
