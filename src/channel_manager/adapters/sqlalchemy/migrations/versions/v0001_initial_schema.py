"""Initial schema: every table of DESIGN.md section 5.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 08:12:09.957755
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import ExactDecimal, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "sealed_secrets",
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_sealed_secrets")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_keys_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(
        op.f("ix_api_keys_organization_id"), "api_keys", ["organization_id"], unique=False
    )

    op.create_table(
        "auth_states",
        sa.Column("state", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("auth_mode", sa.String(length=32), nullable=False),
        sa.Column("code_verifier", sa.String(length=255), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("hotel_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_auth_states_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_auth_states")),
    )
    op.create_index(op.f("ix_auth_states_expires_at"), "auth_states", ["expires_at"], unique=False)

    op.create_table(
        "integration_connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("auth_mode", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("credential_ref", sa.String(length=255), nullable=True),
        sa.Column("external_account_id", sa.String(length=255), nullable=True),
        sa.Column("error_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_sync_at", UtcDateTime(), nullable=True),
        sa.Column("next_poll_at", UtcDateTime(), nullable=True),
        sa.Column("next_sync_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_connections_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_connections")),
    )
    op.create_index(
        "ix_integration_connections_due_poll",
        "integration_connections",
        ["status", "next_poll_at"],
        unique=False,
    )
    op.create_index(
        "ix_integration_connections_due_sync",
        "integration_connections",
        ["status", "next_sync_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_integration_connections_organization_id"),
        "integration_connections",
        ["organization_id"],
        unique=False,
    )

    op.create_table(
        "properties",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_properties_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_properties")),
    )
    op.create_index(
        op.f("ix_properties_organization_id"), "properties", ["organization_id"], unique=False
    )

    op.create_table(
        "integration_property_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("internal_property_id", sa.Uuid(), nullable=False),
        sa.Column("external_property_id", sa.String(length=255), nullable=False),
        sa.Column("external_property_name", sa.String(length=255), nullable=True),
        sa.Column("sync_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_sync_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_integration_property_mappings_connection_id_integration_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["internal_property_id"],
            ["properties.id"],
            name=op.f("fk_integration_property_mappings_internal_property_id_properties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_property_mappings")),
        sa.UniqueConstraint(
            "connection_id",
            "external_property_id",
            name=op.f("uq_integration_property_mappings_connection_id_external_property_id"),
        ),
    )
    op.create_table(
        "message_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("message_type", sa.String(length=128), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("ruid", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_message_log_connection_id_integration_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log")),
    )
    op.create_index(
        "ix_message_log_connection_created",
        "message_log",
        ["connection_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("hotel_code", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("ordering_key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("confirmation", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_outbound_messages_connection_id_integration_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbound_messages_idempotency_key")),
    )
    op.create_index(
        "ix_outbound_messages_connection",
        "outbound_messages",
        ["connection_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_outbound_messages_due", "outbound_messages", ["state", "next_attempt_at"], unique=False
    )
    op.create_index(
        "ix_outbound_messages_ordering",
        "outbound_messages",
        ["ordering_key", "created_at", "id"],
        unique=False,
    )

    op.create_table(
        "rate_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_rate_plans_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_plans")),
        sa.UniqueConstraint("property_id", "code", name=op.f("uq_rate_plans_property_id_code")),
    )
    op.create_index(op.f("ix_rate_plans_property_id"), "rate_plans", ["property_id"], unique=False)

    op.create_table(
        "reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("external_property_id", sa.String(length=255), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision_timestamp", UtcDateTime(), nullable=False),
        sa.Column("revision_sequence", sa.BigInteger(), nullable=False),
        sa.Column("booked_at", UtcDateTime(), nullable=True),
        sa.Column("arrival", sa.Date(), nullable=False),
        sa.Column("departure", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_before_tax_amount", ExactDecimal(), nullable=True),
        sa.Column("amount_before_tax_currency", sa.String(length=3), nullable=True),
        sa.Column("amount_after_tax_amount", ExactDecimal(), nullable=True),
        sa.Column("amount_after_tax_currency", sa.String(length=3), nullable=True),
        sa.Column("taxes_amount", ExactDecimal(), nullable=True),
        sa.Column("taxes_currency", sa.String(length=3), nullable=True),
        sa.Column("commission_amount", ExactDecimal(), nullable=True),
        sa.Column("commission_currency", sa.String(length=3), nullable=True),
        sa.Column("remarks", sa.JSON(), nullable=False),
        sa.Column("special_requests", sa.JSON(), nullable=False),
        sa.Column("has_payment", sa.Boolean(), nullable=False),
        sa.Column("payment_card_type", sa.String(length=64), nullable=True),
        sa.Column("payment_last_four", sa.String(length=4), nullable=True),
        sa.Column("payment_expiry", sa.String(length=7), nullable=True),
        sa.Column("payment_holder_name", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("raw_message_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_reservations_connection_id_integration_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_reservations_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint(
            "connection_id", "external_id", name=op.f("uq_reservations_connection_id_external_id")
        ),
    )
    op.create_index(
        "ix_reservations_property_arrival", "reservations", ["property_id", "arrival"], unique=False
    )
    op.create_index(
        op.f("ix_reservations_property_id"), "reservations", ["property_id"], unique=False
    )

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_sync_runs_connection_id_integration_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(
        "ix_sync_runs_connection_started",
        "sync_runs",
        ["connection_id", "started_at"],
        unique=False,
    )

    op.create_table(
        "units",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("max_occupancy", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_units_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_units_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
    )
    op.create_index(op.f("ix_units_property_id"), "units", ["property_id"], unique=False)

    op.create_table(
        "integration_rate_plan_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("property_mapping_id", sa.Uuid(), nullable=False),
        sa.Column("internal_rate_plan_id", sa.Uuid(), nullable=False),
        sa.Column("external_rate_plan_id", sa.String(length=255), nullable=False),
        sa.Column("external_rate_plan_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["internal_rate_plan_id"],
            ["rate_plans.id"],
            name=op.f("fk_integration_rate_plan_mappings_internal_rate_plan_id_rate_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["property_mapping_id"],
            ["integration_property_mappings.id"],
            name=op.f(
                "fk_integration_rate_plan_mappings_property_mapping_id_integration_property_mappings"
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_rate_plan_mappings")),
        sa.UniqueConstraint(
            "property_mapping_id",
            "external_rate_plan_id",
            name=op.f(
                "uq_integration_rate_plan_mappings_property_mapping_id_external_rate_plan_id"
            ),
        ),
    )
    op.create_table(
        "integration_unit_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("property_mapping_id", sa.Uuid(), nullable=False),
        sa.Column("internal_unit_id", sa.Uuid(), nullable=False),
        sa.Column("external_room_type_id", sa.String(length=255), nullable=False),
        sa.Column("external_room_type_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["internal_unit_id"],
            ["units.id"],
            name=op.f("fk_integration_unit_mappings_internal_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["property_mapping_id"],
            ["integration_property_mappings.id"],
            name=op.f(
                "fk_integration_unit_mappings_property_mapping_id_integration_property_mappings"
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_unit_mappings")),
        sa.UniqueConstraint(
            "property_mapping_id",
            "external_room_type_id",
            name=op.f("uq_integration_unit_mappings_property_mapping_id_external_room_type_id"),
        ),
    )
    op.create_table(
        "reservation_guests",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=255), nullable=False),
        sa.Column("surname", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=32), nullable=True),
        sa.Column("has_address", sa.Boolean(), nullable=False),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("address_city", sa.String(length=255), nullable=True),
        sa.Column("address_postal_code", sa.String(length=64), nullable=True),
        sa.Column("address_state", sa.String(length=255), nullable=True),
        sa.Column("address_country_code", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reservation_guests_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "reservation_id", "role", "position", name=op.f("pk_reservation_guests")
        ),
    )
    op.create_table(
        "reservation_room_stays",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stay_index", sa.Integer(), nullable=False),
        sa.Column("external_room_type_id", sa.String(length=255), nullable=False),
        sa.Column("external_room_type_name", sa.String(length=255), nullable=True),
        sa.Column("external_rate_plan_id", sa.String(length=255), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("rate_plan_id", sa.Uuid(), nullable=True),
        sa.Column("arrival", sa.Date(), nullable=False),
        sa.Column("departure", sa.Date(), nullable=False),
        sa.Column("guest_count", sa.Integer(), nullable=False),
        sa.Column("guest_names", sa.JSON(), nullable=False),
        sa.Column("total_amount", ExactDecimal(), nullable=True),
        sa.Column("total_currency", sa.String(length=3), nullable=True),
        sa.Column("commission_amount", ExactDecimal(), nullable=True),
        sa.Column("commission_currency", sa.String(length=3), nullable=True),
        sa.Column("meal_plan", sa.String(length=255), nullable=True),
        sa.Column("remarks", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_plan_id"],
            ["rate_plans.id"],
            name=op.f("fk_reservation_room_stays_rate_plan_id_rate_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reservation_room_stays_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_reservation_room_stays_unit_id_units")
        ),
        sa.PrimaryKeyConstraint(
            "reservation_id", "position", name=op.f("pk_reservation_room_stays")
        ),
    )
    op.create_index(
        op.f("ix_reservation_room_stays_unit_id"),
        "reservation_room_stays",
        ["unit_id"],
        unique=False,
    )

    op.create_table(
        "reservation_nightly_prices",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("stay_position", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_plan_code", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["reservation_id", "stay_position"],
            ["reservation_room_stays.reservation_id", "reservation_room_stays.position"],
            name=op.f("fk_reservation_nightly_prices_reservation_id_reservation_room_stays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "reservation_id",
            "stay_position",
            "position",
            name=op.f("pk_reservation_nightly_prices"),
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("reservation_nightly_prices")
    op.drop_index(op.f("ix_reservation_room_stays_unit_id"), table_name="reservation_room_stays")

    op.drop_table("reservation_room_stays")
    op.drop_table("reservation_guests")
    op.drop_table("integration_unit_mappings")
    op.drop_table("integration_rate_plan_mappings")
    op.drop_index(op.f("ix_units_property_id"), table_name="units")

    op.drop_table("units")
    op.drop_index("ix_sync_runs_connection_started", table_name="sync_runs")

    op.drop_table("sync_runs")
    op.drop_index(op.f("ix_reservations_property_id"), table_name="reservations")
    op.drop_index("ix_reservations_property_arrival", table_name="reservations")

    op.drop_table("reservations")
    op.drop_index(op.f("ix_rate_plans_property_id"), table_name="rate_plans")

    op.drop_table("rate_plans")
    op.drop_index("ix_outbound_messages_ordering", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_due", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_connection", table_name="outbound_messages")

    op.drop_table("outbound_messages")
    op.drop_index("ix_message_log_connection_created", table_name="message_log")

    op.drop_table("message_log")
    op.drop_table("integration_property_mappings")
    op.drop_index(op.f("ix_properties_organization_id"), table_name="properties")

    op.drop_table("properties")
    op.drop_index(
        op.f("ix_integration_connections_organization_id"), table_name="integration_connections"
    )
    op.drop_index("ix_integration_connections_due_sync", table_name="integration_connections")
    op.drop_index("ix_integration_connections_due_poll", table_name="integration_connections")

    op.drop_table("integration_connections")
    op.drop_index(op.f("ix_auth_states_expires_at"), table_name="auth_states")

    op.drop_table("auth_states")
    op.drop_index(op.f("ix_api_keys_organization_id"), table_name="api_keys")

    op.drop_table("api_keys")
    op.drop_table("sealed_secrets")
    op.drop_table("organizations")
