"""Row translation for organisations, API keys, properties, units and rate plans.

Their tables hold exactly the entities' fields, so one flat mapping serves them all, except a
rate plan's modifier, kept as two columns (a percent or an amount).
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row, flat_from_row, flat_to_row
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.pricing import PriceModifier

organization_to_row = flat_to_row
organization_from_row = flat_from_row(Organization)
property_to_row = flat_to_row
property_from_row = flat_from_row(Property)
unit_to_row = flat_to_row
unit_from_row = flat_from_row(Unit)


def rate_plan_to_row(plan: RatePlan) -> Row:
    """A rate plan's columns; its modifier as ``modifier_percent`` or ``modifier_amount``."""
    modifier = plan.modifier
    return {
        "id": plan.id,
        "property_id": plan.property_id,
        "name": plan.name,
        "code": plan.code,
        "parent_rate_plan_id": plan.parent_rate_plan_id,
        "modifier_percent": None if modifier is None else modifier.percent,
        "modifier_amount": None if modifier is None else modifier.amount,
        "inherit_restrictions": plan.inherit_restrictions,
    }


def _plain(value: Decimal | None) -> Decimal | None:
    """A stored modifier as it was typed, without the column's trailing zeros (``-10``, not
    ``-10.0000``), and never in exponent form."""
    if value is None:
        return None
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def rate_plan_from_row(row: sa.RowMapping) -> RatePlan:
    """The reverse of :func:`rate_plan_to_row`."""
    percent, amount = _plain(row["modifier_percent"]), _plain(row["modifier_amount"])
    modifier = None
    if percent is not None or amount is not None:
        modifier = PriceModifier(percent=percent, amount=amount)
    return RatePlan(
        id=row["id"],
        property_id=row["property_id"],
        name=row["name"],
        code=row["code"],
        parent_rate_plan_id=row["parent_rate_plan_id"],
        modifier=modifier,
        inherit_restrictions=bool(row["inherit_restrictions"]),
    )


#: ``api_keys`` holds the hash, never the key (the entity has no key to hold).
api_key_to_row = flat_to_row
api_key_from_row = flat_from_row(ApiKey)
