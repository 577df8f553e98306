"""Row translation for organisations, API keys, properties, units and rate plans."""

from __future__ import annotations

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit


def organization_to_row(organization: Organization) -> Row:
    """Columns of ``organizations``."""
    return {"id": organization.id, "name": organization.name}


def organization_from_row(row: sa.RowMapping) -> Organization:
    """An organisation from its row."""
    return Organization(id=row["id"], name=row["name"])


def property_to_row(prop: Property) -> Row:
    """Columns of ``properties``."""
    return {
        "id": prop.id,
        "organization_id": prop.organization_id,
        "name": prop.name,
        "currency": prop.currency,
        "timezone": prop.timezone,
    }


def property_from_row(row: sa.RowMapping) -> Property:
    """A property from its row."""
    return Property(
        id=row["id"],
        organization_id=row["organization_id"],
        name=row["name"],
        currency=row["currency"],
        timezone=row["timezone"],
    )


def unit_to_row(unit: Unit) -> Row:
    """Columns of ``units``."""
    return {
        "id": unit.id,
        "property_id": unit.property_id,
        "name": unit.name,
        "count": unit.count,
        "max_occupancy": unit.max_occupancy,
    }


def unit_from_row(row: sa.RowMapping) -> Unit:
    """A unit from its row."""
    return Unit(
        id=row["id"],
        property_id=row["property_id"],
        name=row["name"],
        count=row["count"],
        max_occupancy=row["max_occupancy"],
    )


def rate_plan_to_row(plan: RatePlan) -> Row:
    """Columns of ``rate_plans``."""
    return {"id": plan.id, "property_id": plan.property_id, "name": plan.name, "code": plan.code}


def rate_plan_from_row(row: sa.RowMapping) -> RatePlan:
    """A rate plan from its row."""
    return RatePlan(
        id=row["id"], property_id=row["property_id"], name=row["name"], code=row["code"]
    )


def api_key_to_row(key: ApiKey) -> Row:
    """Columns of ``api_keys``: the hash, never the key."""
    return {
        "id": key.id,
        "organization_id": key.organization_id,
        "name": key.name,
        "prefix": key.prefix,
        "key_hash": key.key_hash,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def api_key_from_row(row: sa.RowMapping) -> ApiKey:
    """An API key record from its row."""
    return ApiKey(
        id=row["id"],
        organization_id=row["organization_id"],
        name=row["name"],
        prefix=row["prefix"],
        key_hash=row["key_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
