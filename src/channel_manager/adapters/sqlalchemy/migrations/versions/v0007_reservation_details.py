"""Reservation details: flags, services, ids, arrival time, promotion codes, revision history
(on the reservation) and adults, children with ages, infants, taxes (on each room stay), kept
as JSON documents next to the columns that queries filter on; ``flag_count`` for the
integration card's count of flagged reservations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("flag_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("reservation_room_stays") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reservation_room_stays") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("flag_count")
        batch.drop_column("details")
