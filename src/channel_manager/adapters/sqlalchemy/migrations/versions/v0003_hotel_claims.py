"""Hotel claims: one holder per channel hotel, enforced by the primary key.

Existing connections are given their claims: the oldest live (not revoked) booking-connectivity
connection of a hotel holds it, and any later live one for the same hotel is put in error with
a reason naming the way out (it was a second holder, which is no longer allowed); oauth2
connections claim the hotels they have mapped, where nobody holds them yet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECOND_HOLDER = (
    "another connection already holds this hotel; a hotel is held by one connection at a "
    "time (disconnect this one, or ask the operator: channel-manager connections move-hotel)"
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "hotel_claims",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_property_id", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_hotel_claims_connection_id_integration_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_hotel_claims_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("channel", "external_property_id", name=op.f("pk_hotel_claims")),
    )
    op.create_index(
        op.f("ix_hotel_claims_connection_id"), "hotel_claims", ["connection_id"], unique=False
    )
    _claim_existing(op.get_bind())


def _claim_existing(bind: sa.Connection) -> None:
    connections = sa.table(
        "integration_connections",
        sa.column("id", sa.Uuid()),
        sa.column("organization_id", sa.Uuid()),
        sa.column("channel", sa.String()),
        sa.column("auth_mode", sa.String()),
        sa.column("status", sa.String()),
        sa.column("external_account_id", sa.String()),
        sa.column("error_reason", sa.Text()),
        sa.column("created_at", UtcDateTime()),
        sa.column("next_poll_at", UtcDateTime()),
        sa.column("next_sync_at", UtcDateTime()),
    )
    mappings = sa.table(
        "integration_property_mappings",
        sa.column("connection_id", sa.Uuid()),
        sa.column("external_property_id", sa.String()),
    )
    claims = sa.table(
        "hotel_claims",
        sa.column("channel", sa.String()),
        sa.column("external_property_id", sa.String()),
        sa.column("organization_id", sa.Uuid()),
        sa.column("connection_id", sa.Uuid()),
        sa.column("claimed_at", UtcDateTime()),
    )
    live = bind.execute(
        sa.select(connections)
        .where(connections.c.status != "revoked")
        .order_by(connections.c.created_at, connections.c.id)
    ).mappings()
    held: set[tuple[str, str]] = set()
    rows: list[dict[str, object]] = []
    for connection in list(live):
        if connection["auth_mode"] == "booking-connectivity":
            hotels = (
                [connection["external_account_id"]] if connection["external_account_id"] else []
            )
        else:
            hotels = list(
                bind.execute(
                    sa.select(mappings.c.external_property_id).where(
                        mappings.c.connection_id == connection["id"]
                    )
                ).scalars()
            )
        for hotel in hotels:
            key = (connection["channel"], hotel)
            if key in held:
                if connection["auth_mode"] == "booking-connectivity":
                    bind.execute(
                        connections.update()
                        .where(connections.c.id == connection["id"])
                        .values(
                            status="error",
                            error_reason=SECOND_HOLDER,
                            next_poll_at=None,
                            next_sync_at=None,
                        )
                    )
                continue
            held.add(key)
            rows.append(
                {
                    "channel": connection["channel"],
                    "external_property_id": hotel,
                    "organization_id": connection["organization_id"],
                    "connection_id": connection["id"],
                    "claimed_at": connection["created_at"],
                }
            )
    if rows:
        bind.execute(claims.insert(), rows)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_hotel_claims_connection_id"), table_name="hotel_claims")
    op.drop_table("hotel_claims")
