"""Channel connections, the story's two mapping tables, rate plan mappings, auth states.

``integration_property_mappings`` and ``integration_unit_mappings`` follow DESIGN.md section 5
column for column, including their unique constraints and ``DEFAULT NOW()``.
"""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

connections = sa.Table(
    "integration_connections",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False, index=True
    ),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("auth_mode", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("credential_ref", sa.String(255), nullable=True),
    sa.Column("external_account_id", sa.String(255), nullable=True),
    sa.Column("error_reason", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_sync_at", UtcDateTime, nullable=True),
    sa.Column("next_poll_at", UtcDateTime, nullable=True),
    sa.Column("next_sync_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("poll_failing_since", UtcDateTime, nullable=True),
    sa.Column("poll_error", sa.Text, nullable=True),
    # Workers look for due connections by these two columns.
    sa.Index("ix_integration_connections_due_poll", "status", "next_poll_at"),
    sa.Index("ix_integration_connections_due_sync", "status", "next_sync_at"),
)

property_mappings = sa.Table(
    "integration_property_mappings",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), nullable=False
    ),
    sa.Column("internal_property_id", sa.Uuid, sa.ForeignKey("properties.id"), nullable=False),
    sa.Column("external_property_id", sa.String(255), nullable=False),
    sa.Column("external_property_name", sa.String(255), nullable=True),
    sa.Column("sync_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("last_sync_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("connection_id", "external_property_id"),
)

unit_mappings = sa.Table(
    "integration_unit_mappings",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "property_mapping_id",
        sa.Uuid,
        sa.ForeignKey("integration_property_mappings.id"),
        nullable=False,
    ),
    sa.Column("internal_unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("external_room_type_id", sa.String(255), nullable=False),
    sa.Column("external_room_type_name", sa.String(255), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("property_mapping_id", "external_room_type_id"),
)

rate_plan_mappings = sa.Table(
    "integration_rate_plan_mappings",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "property_mapping_id",
        sa.Uuid,
        sa.ForeignKey("integration_property_mappings.id"),
        nullable=False,
    ),
    sa.Column("internal_rate_plan_id", sa.Uuid, sa.ForeignKey("rate_plans.id"), nullable=False),
    sa.Column("external_rate_plan_id", sa.String(255), nullable=False),
    sa.Column("external_rate_plan_name", sa.String(255), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("property_mapping_id", "external_rate_plan_id"),
)

#: Single-use, expiring ``state`` values of connect flows. The PKCE verifier is short-lived
#: and useless without the authorisation code, so it is kept in clear for the callback.
auth_states = sa.Table(
    "auth_states",
    metadata,
    sa.Column("state", sa.String(255), primary_key=True),
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("auth_mode", sa.String(32), nullable=False),
    sa.Column("code_verifier", sa.String(255), nullable=False),
    sa.Column("redirect_uri", sa.String(2048), nullable=False),
    sa.Column("hotel_id", sa.String(255), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("used_at", UtcDateTime, nullable=True),
    # A hash of who started the flow (their browser session or API key): the callback must
    # come from the same one (RFC 9700 section 4.7).
    sa.Column("binding", sa.String(64), nullable=True),
)

#: Which connection holds each channel hotel. The primary key is the hotel itself, so the
#: database refuses a second holder (another organisation, or a second connection) outright;
#: a disconnect or an operator's move deletes the row.
hotel_claims = sa.Table(
    "hotel_claims",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("external_property_id", sa.String(255), primary_key=True),
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column(
        "connection_id",
        sa.Uuid,
        sa.ForeignKey("integration_connections.id"),
        nullable=False,
        index=True,
    ),
    sa.Column("claimed_at", UtcDateTime, nullable=False),
)
