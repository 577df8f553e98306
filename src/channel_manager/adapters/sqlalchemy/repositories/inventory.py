"""Organisations, properties, units, rate plans and API keys."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows import inventory as rows
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit


class SqlAlchemyOrganizationRepository:
    """Tenants."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.organizations, "organization")

    def get(self, id: UUID) -> Organization:
        """The organisation; NotFound when unknown."""
        return self._rows.one(rows.organization_from_row, id)

    def add(self, organization: Organization) -> None:
        """Insert a new organisation."""
        self._rows.insert(rows.organization_to_row(organization), organization.id)

    def list(self) -> builtins.list[Organization]:
        """Every organisation by name."""
        table = tables.organizations
        return self._rows.many(rows.organization_from_row, order_by=(table.c.name, table.c.id))


class SqlAlchemyPropertyRepository:
    """Our properties."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.properties, "property")

    def get(self, id: UUID) -> Property:
        """The property; NotFound when unknown."""
        return self._rows.one(rows.property_from_row, id)

    def add(self, property: Property) -> None:
        """Insert a new property."""
        self._rows.insert(rows.property_to_row(property), property.id)

    def update(self, property: Property) -> None:
        """Overwrite an existing property."""
        self._rows.update(rows.property_to_row(property))

    def list(self, organization_id: UUID) -> builtins.list[Property]:
        """An organisation's properties by name."""
        table = tables.properties
        return self._rows.many(
            rows.property_from_row,
            table.c.organization_id == organization_id,
            order_by=(table.c.name, table.c.id),
        )


class SqlAlchemyUnitRepository:
    """Our units (sellable room types)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.units, "unit")

    def get(self, id: UUID) -> Unit:
        """The unit; NotFound when unknown."""
        return self._rows.one(rows.unit_from_row, id)

    def add(self, unit: Unit) -> None:
        """Insert a new unit."""
        self._rows.insert(rows.unit_to_row(unit), unit.id)

    def update(self, unit: Unit) -> None:
        """Overwrite an existing unit."""
        self._rows.update(rows.unit_to_row(unit))

    def list_by_property(self, property_id: UUID) -> list[Unit]:
        """A property's units by name."""
        return self._rows.many_by(
            rows.unit_from_row, order_by=("name", "id"), property_id=property_id
        )


class SqlAlchemyRatePlanRepository:
    """Our rate plans."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.rate_plans, "rate plan")

    def get(self, id: UUID) -> RatePlan:
        """The rate plan; NotFound when unknown."""
        return self._rows.one(rows.rate_plan_from_row, id)

    def add(self, rate_plan: RatePlan) -> None:
        """Insert a new rate plan (codes are unique per property)."""
        self._rows.insert(rows.rate_plan_to_row(rate_plan), rate_plan.id)

    def update(self, rate_plan: RatePlan) -> None:
        """Overwrite an existing rate plan (its name, modifier, inheritance)."""
        self._rows.update(rows.rate_plan_to_row(rate_plan))

    def lock(self, ids: Collection[UUID], *, exclusive: bool = False) -> None:
        """``SELECT ... FOR SHARE`` (or ``FOR UPDATE``) of the plans, in id order; SQLite
        renders no lock clause (it serialises writers)."""
        if not ids:
            return
        table = tables.rate_plans
        self._rows.connection.execute(
            sa.select(table.c.id)
            .where(table.c.id.in_(sorted(set(ids))))
            .order_by(table.c.id)
            .with_for_update(read=not exclusive)
        )

    def list_by_property(self, property_id: UUID) -> list[RatePlan]:
        """A property's rate plans by name."""
        table = tables.rate_plans
        return self._rows.many(
            rows.rate_plan_from_row,
            table.c.property_id == property_id,
            order_by=(table.c.name, table.c.id),
        )


class SqlAlchemyApiKeyRepository:
    """API key records (hashes only)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.api_keys, "api key")

    def add(self, key: ApiKey) -> None:
        """Insert a new key record."""
        self._rows.insert(rows.api_key_to_row(key), key.id)

    def update(self, key: ApiKey) -> None:
        """Overwrite a key record (e.g. revoked)."""
        self._rows.update(rows.api_key_to_row(key))

    def get(self, id: UUID) -> ApiKey:
        """The key record; NotFound when unknown."""
        return self._rows.one(rows.api_key_from_row, id)

    def get_by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose hash is ``key_hash``, revoked or not; None when unknown."""
        return self._rows.first(rows.api_key_from_row, tables.api_keys.c.key_hash == key_hash)

    def list(self, organization_id: UUID) -> builtins.list[ApiKey]:
        """An organisation's keys, oldest first."""
        table = tables.api_keys
        return self._rows.many(
            rows.api_key_from_row,
            table.c.organization_id == organization_id,
            order_by=(table.c.created_at, table.c.id),
        )

    def record_use(self, id: UUID, at: datetime) -> None:
        """Set only ``last_used_at`` (unless it is later already): one column, so a
        revocation committed meanwhile stays."""
        table = tables.api_keys
        self._connection.execute(
            sa.update(table)
            .where(
                table.c.id == id,
                sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at < at),
            )
            .values(last_used_at=at)
        )
