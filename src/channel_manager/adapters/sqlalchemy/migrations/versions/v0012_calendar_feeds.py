"""Calendar feeds (issue 16, iCal): ``calendar_feeds`` (one per feed connection: the unit it
fills, our export token's hash, the last fetch and a held suspect snapshot),
``feed_known_events`` (the baseline: the feed event each kept reservation was made from) and
``reservations.kind`` (a guest's booking or a block a feed closed; existing rows are bookings).

Revision ID: 0012_calendar_feeds
Revises: 0011_calendar
Create Date: 2026-12-05 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import UtcDateTime

revision: str = "0012_calendar_feeds"
down_revision: str | None = "0011_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "calendar_feeds",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("export_token_hash", sa.String(length=64), nullable=False),
        sa.Column("end_is_last_night", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=1024), nullable=True),
        sa.Column("last_modified", sa.String(length=255), nullable=True),
        sa.Column("last_fetch_at", UtcDateTime(), nullable=True),
        sa.Column("last_success_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("stays", sa.Integer(), nullable=False),
        sa.Column("blocks", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("suspect_since", UtcDateTime(), nullable=True),
        sa.Column("suspect_reason", sa.Text(), nullable=True),
        sa.Column("suspect_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_calendar_feeds_connection_id_integration_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_calendar_feeds_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("export_token_hash", name=op.f("uq_calendar_feeds_export_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_unit_id"), "calendar_feeds", ["unit_id"], unique=False)
    op.create_table(
        "feed_known_events",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("uid", sa.String(length=1024), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("confirmation_code", sa.String(length=255), nullable=True),
        sa.Column("phone_last_digits", sa.String(length=16), nullable=True),
        sa.Column("guest_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["calendar_feeds.connection_id"],
            name=op.f("fk_feed_known_events_connection_id_calendar_feeds"),
        ),
        sa.PrimaryKeyConstraint("connection_id", "key", name=op.f("pk_feed_known_events")),
    )
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(
            sa.Column(
                "kind", sa.String(length=16), nullable=False, server_default=sa.text("'booking'")
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reservations", recreate="never") as batch:
        batch.drop_column("kind")
    op.drop_table("feed_known_events")
    op.drop_index(op.f("ix_calendar_feeds_unit_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
