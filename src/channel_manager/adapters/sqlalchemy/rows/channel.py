"""Row translation for connections, authorisation states and the three mapping tables."""

from __future__ import annotations

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row, flat_from_row, flat_to_row
from channel_manager.domain.connection import (
    AuthMode,
    AuthState,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping


def connection_to_row(connection: Connection) -> Row:
    """Columns of ``integration_connections``."""
    return {
        "id": connection.id,
        "organization_id": connection.organization_id,
        "channel": connection.channel,
        "auth_mode": connection.auth_mode.value,
        "status": connection.status.value,
        "credential_ref": connection.credential_ref,
        "external_account_id": connection.external_account_id,
        "error_reason": connection.error_reason,
        "created_at": connection.created_at,
        "last_sync_at": connection.last_sync_at,
        "next_poll_at": connection.next_poll_at,
        "next_sync_at": connection.next_sync_at,
        "revoked_at": connection.revoked_at,
        "poll_failing_since": connection.poll_failing_since,
        "poll_error": connection.poll_error,
    }


def connection_from_row(row: sa.RowMapping) -> Connection:
    """A connection from its row."""
    return Connection(
        id=row["id"],
        organization_id=row["organization_id"],
        channel=row["channel"],
        auth_mode=AuthMode(row["auth_mode"]),
        status=ConnectionStatus(row["status"]),
        credential_ref=row["credential_ref"],
        external_account_id=row["external_account_id"],
        error_reason=row["error_reason"],
        created_at=row["created_at"],
        last_sync_at=row["last_sync_at"],
        next_poll_at=row["next_poll_at"],
        next_sync_at=row["next_sync_at"],
        revoked_at=row["revoked_at"],
        poll_failing_since=row["poll_failing_since"],
        poll_error=row["poll_error"],
    )


def auth_state_to_row(state: AuthState) -> Row:
    """Columns of ``auth_states``."""
    return {
        "state": state.state,
        "organization_id": state.organization_id,
        "auth_mode": state.auth_mode.value,
        "code_verifier": state.code_verifier,
        "redirect_uri": state.redirect_uri,
        "hotel_id": state.hotel_id,
        "created_at": state.created_at,
        "expires_at": state.expires_at,
        "used_at": state.used_at,
        "binding": state.binding,
    }


def auth_state_from_row(row: sa.RowMapping) -> AuthState:
    """An authorisation state from its row."""
    return AuthState(
        state=row["state"],
        organization_id=row["organization_id"],
        auth_mode=AuthMode(row["auth_mode"]),
        code_verifier=row["code_verifier"],
        redirect_uri=row["redirect_uri"],
        hotel_id=row["hotel_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        binding=row["binding"],
    )


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
