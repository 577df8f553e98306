"""Row translation for organisations, API keys, properties, units and rate plans.

Their tables hold exactly the entities' fields, so one flat mapping serves them all.
"""

from __future__ import annotations

from channel_manager.adapters.sqlalchemy.rows.base import flat_from_row, flat_to_row
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit

organization_to_row = flat_to_row
organization_from_row = flat_from_row(Organization)
property_to_row = flat_to_row
property_from_row = flat_from_row(Property)
unit_to_row = flat_to_row
unit_from_row = flat_from_row(Unit)
rate_plan_to_row = flat_to_row
rate_plan_from_row = flat_from_row(RatePlan)
#: ``api_keys`` holds the hash, never the key (the entity has no key to hold).
api_key_to_row = flat_to_row
api_key_from_row = flat_from_row(ApiKey)
