"""Per-connection rules (issue 18): ``connection_rules`` holds, per connection, a price
modifier, an availability cap and a stop-sell applied to what that channel is sent.

Revision ID: 0015_connection_rules
Revises: 0013_push_inbox
Create Date: 2026-12-06 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0015_connection_rules"
down_revision: str | None = "0013_push_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "connection_rules",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("modifier_percent", sa.String(length=32), nullable=True),
        sa.Column("modifier_amount", sa.String(length=32), nullable=True),
        sa.Column("availability_cap", sa.Integer(), nullable=True),
        sa.Column("stop_sell", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_connection_rules_connection_id_integration_connections"),
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_connection_rules")),
    )


def downgrade() -> None:
    """Revert this revision (every connection's rules are lost: its channel is then sent our
    calendar as it is, once something is sent again)."""
    op.drop_table("connection_rules")
