"""Row translation for connections, authorisation states and the three mapping tables."""

from __future__ import annotations

from channel_manager.adapters.sqlalchemy.rows.base import flat_from_row, flat_to_row
from channel_manager.domain.connection import AuthState, Connection, HotelClaim
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping

#: ``connections`` and ``auth_states`` hold exactly their entities' fields.
connection_to_row = flat_to_row
connection_from_row = flat_from_row(Connection)
auth_state_to_row = flat_to_row
auth_state_from_row = flat_from_row(AuthState)

#: The three mapping tables hold exactly their entities' fields.
property_mapping_to_row = flat_to_row
property_mapping_from_row = flat_from_row(PropertyMapping)
unit_mapping_to_row = flat_to_row
unit_mapping_from_row = flat_from_row(UnitMapping)
rate_plan_mapping_to_row = flat_to_row
rate_plan_mapping_from_row = flat_from_row(RatePlanMapping)

#: ``hotel_claims`` holds exactly the claim's fields.
hotel_claim_to_row = flat_to_row
hotel_claim_from_row = flat_from_row(HotelClaim)
