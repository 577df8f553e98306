"""Row translation for connections, authorisation states and the three mapping tables."""

from __future__ import annotations

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.connection import AuthMode, AuthState, Connection, ConnectionStatus
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
    )


def property_mapping_to_row(mapping: PropertyMapping) -> Row:
    """Columns of ``integration_property_mappings``."""
    return {
        "id": mapping.id,
        "connection_id": mapping.connection_id,
        "internal_property_id": mapping.internal_property_id,
        "external_property_id": mapping.external_property_id,
        "external_property_name": mapping.external_property_name,
        "sync_enabled": mapping.sync_enabled,
        "last_sync_at": mapping.last_sync_at,
        "created_at": mapping.created_at,
    }


def property_mapping_from_row(row: sa.RowMapping) -> PropertyMapping:
    """A property mapping from its row."""
    return PropertyMapping(
        id=row["id"],
        connection_id=row["connection_id"],
        internal_property_id=row["internal_property_id"],
        external_property_id=row["external_property_id"],
        external_property_name=row["external_property_name"],
        sync_enabled=row["sync_enabled"],
        last_sync_at=row["last_sync_at"],
        created_at=row["created_at"],
    )


def unit_mapping_to_row(mapping: UnitMapping) -> Row:
    """Columns of ``integration_unit_mappings``."""
    return {
        "id": mapping.id,
        "property_mapping_id": mapping.property_mapping_id,
        "internal_unit_id": mapping.internal_unit_id,
        "external_room_type_id": mapping.external_room_type_id,
        "external_room_type_name": mapping.external_room_type_name,
        "created_at": mapping.created_at,
    }


def unit_mapping_from_row(row: sa.RowMapping) -> UnitMapping:
    """A unit mapping from its row."""
    return UnitMapping(
        id=row["id"],
        property_mapping_id=row["property_mapping_id"],
        internal_unit_id=row["internal_unit_id"],
        external_room_type_id=row["external_room_type_id"],
        external_room_type_name=row["external_room_type_name"],
        created_at=row["created_at"],
    )


def rate_plan_mapping_to_row(mapping: RatePlanMapping) -> Row:
    """Columns of ``integration_rate_plan_mappings``."""
    return {
        "id": mapping.id,
        "property_mapping_id": mapping.property_mapping_id,
        "internal_rate_plan_id": mapping.internal_rate_plan_id,
        "external_rate_plan_id": mapping.external_rate_plan_id,
        "external_rate_plan_name": mapping.external_rate_plan_name,
        "created_at": mapping.created_at,
    }


def rate_plan_mapping_from_row(row: sa.RowMapping) -> RatePlanMapping:
    """A rate plan mapping from its row."""
    return RatePlanMapping(
        id=row["id"],
        property_mapping_id=row["property_mapping_id"],
        internal_rate_plan_id=row["internal_rate_plan_id"],
        external_rate_plan_id=row["external_rate_plan_id"],
        external_rate_plan_name=row["external_rate_plan_name"],
        created_at=row["created_at"],
    )
