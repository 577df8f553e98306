"""Connections remember since when their reservation poll has been failing, and why.

Revision ID: 0008_poll_failures
Revises: 0008forms
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0008_poll_failures"
down_revision: str | None = "0008forms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("integration_connections") as batch:
        batch.add_column(sa.Column("poll_failing_since", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("poll_error", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    # Dropped in place (SQLite 3.35+ can): recreating the table, as batch mode does on
    # SQLite, fails on its foreign keys once other tables reference its rows.
    with op.batch_alter_table("integration_connections", recreate="never") as batch:
        batch.drop_column("poll_error")
        batch.drop_column("poll_failing_since")
