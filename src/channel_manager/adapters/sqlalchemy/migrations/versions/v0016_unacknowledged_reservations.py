"""Channel health (issue 18): ``connection_health`` keeps per connection its last successful
poll, its poll attempts of the last hour and its last evaluated status;
``unacknowledged_reservations`` the channel reservations we could not acknowledge, since when.

Revision ID: 0016_unacknowledged_reservations
Revises: 0013_push_inbox
Create Date: 2026-12-06 02:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0016_unacknowledged_reservations"
down_revision: str | None = "0015_connection_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "connection_health",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("last_poll_at", UtcDateTime(), nullable=True),
        sa.Column("window_started_at", UtcDateTime(), nullable=True),
        sa.Column("poll_attempts", sa.Integer(), nullable=False),
        sa.Column("poll_failures", sa.Integer(), nullable=False),
        sa.Column("previous_attempts", sa.Integer(), nullable=False),
        sa.Column("previous_failures", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("status_since", UtcDateTime(), nullable=True),
        sa.Column("checked_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_connection_health_connection_id_integration_connections"),
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_connection_health")),
    )
    op.create_table(
        "unacknowledged_reservations",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("notified_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_unacknowledged_reservations_connection_id_integration_connections"),
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "external_id", name=op.f("pk_unacknowledged_reservations")
        ),
    )


def downgrade() -> None:
    """Revert this revision (health history and the unacknowledged list are lost)."""
    op.drop_table("unacknowledged_reservations")
    op.drop_table("connection_health")
