"""Coalescing (issue 18): an index of the outbox's undelivered rows per ordering key.

Queuing a change looks up the newest undelivered (pending, in flight or failed) message of its
ordering key, to merge into it when it is pending, on every change set. Through
``ix_outbound_messages_ordering`` that lookup walks the key's whole delivered history whenever
no undelivered message matches; this partial index holds undelivered rows only (a few per
hotel, plus what failed), so the lookup stays as cheap as the queue is short.

Revision ID: 0018_coalescing
Revises: 0017_webhooks (re-chained when main was merged in)
Create Date: 2026-12-06 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_coalescing"
down_revision: str | None = "0017_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("state IN ('pending', 'in_flight', 'failed')")


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_outbound_messages_undelivered",
        "outbound_messages",
        ["ordering_key", "created_at", "id"],
        unique=False,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbound_messages_undelivered", table_name="outbound_messages")
