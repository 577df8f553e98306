"""Web sessions and sign-in tokens in the database; auth states bound to their starter.

Authorisation flows are bound to the browser session or API key that started them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(
        op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"], unique=False
    )
    op.create_table(
        "signin_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_signin_tokens_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_signin_tokens")),
    )
    op.create_index(
        op.f("ix_signin_tokens_expires_at"), "signin_tokens", ["expires_at"], unique=False
    )
    with op.batch_alter_table("auth_states") as batch:
        batch.add_column(sa.Column("binding", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("auth_states") as batch:
        batch.drop_column("binding")
    op.drop_index(op.f("ix_signin_tokens_expires_at"), table_name="signin_tokens")
    op.drop_table("signin_tokens")
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_table("web_sessions")
