"""API keys remember when they were last used (to the minute), for `api-keys list`.

Revision ID: 0009_api_key_last_used
Revises: 0008_poll_failures
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0009_api_key_last_used"
down_revision: str | None = "0008_poll_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("last_used_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    # Dropped in place (SQLite 3.35+ can): recreating the table, as batch mode does on
    # SQLite, fails on its foreign keys once other tables reference its rows.
    with op.batch_alter_table("api_keys", recreate="never") as batch:
        batch.drop_column("last_used_at")
