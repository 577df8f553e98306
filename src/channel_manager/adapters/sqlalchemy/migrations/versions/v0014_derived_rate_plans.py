"""Derived rate plans (issue 18): a rate plan may name a parent plan and a modifier (a
percent or an amount) and whether it inherits the parent's restrictions.

Revision ID: 0014_derived_rate_plans
Revises: 0013_push_inbox
Create Date: 2026-12-06 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import ExactDecimal

revision: str = "0014_derived_rate_plans"
down_revision: str | None = "0013_push_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: every existing plan stays a plan of its own (no parent)."""
    # Added in place (recreate="never"): recreating rate_plans, as batch mode does on SQLite,
    # fails on the foreign keys other tables hold to its rows.
    with op.batch_alter_table("rate_plans", recreate="never") as batch:
        # No foreign key: SQLite cannot add one in place (see tables/inventory.py).
        batch.add_column(sa.Column("parent_rate_plan_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("modifier_percent", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("modifier_amount", ExactDecimal(), nullable=True))
        batch.add_column(
            sa.Column(
                "inherit_restrictions", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )


def downgrade() -> None:
    """Revert this revision (derived plans become plain plans keeping their stored nights)."""
    with op.batch_alter_table("rate_plans", recreate="never") as batch:
        batch.drop_column("inherit_restrictions")
        batch.drop_column("modifier_amount")
        batch.drop_column("modifier_percent")
        batch.drop_column("parent_rate_plan_id")
