"""The push inbox (issue 17): ``push_inbox`` holds each pushed message, sealed by the vault,
from the moment it is acknowledged until a worker has applied it (or flagged, when it could
not be applied).

Revision ID: 0013_push_inbox
Revises: 0012_calendar_feeds
Create Date: 2026-12-05 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0013_push_inbox"
down_revision: str | None = "0012_calendar_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "push_inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("sealed_body", sa.LargeBinary(), nullable=False),
        sa.Column("message_type", sa.String(length=128), nullable=False),
        sa.Column("ruid", sa.String(length=255), nullable=True),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("connection_keys", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("failure", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_inbox")),
    )
    op.create_index(
        "ix_push_inbox_state_received",
        "push_inbox",
        ["state", "received_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision (rows still waiting are lost: apply them first)."""
    op.drop_index("ix_push_inbox_state_received", table_name="push_inbox")
    op.drop_table("push_inbox")
