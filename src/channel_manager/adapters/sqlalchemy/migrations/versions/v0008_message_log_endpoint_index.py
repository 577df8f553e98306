"""An index for a connection's newest message at one endpoint (its last push).

The integration page shows when the OTA push endpoint last answered a connection's sender:
without it, a connection that polls and never receives pushes would have its whole log read.

Revision ID: 0008forms
Revises: 0005
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008forms"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_message_log_connection_endpoint_created",
        "message_log",
        ["connection_id", "endpoint", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_message_log_connection_endpoint_created", table_name="message_log")
