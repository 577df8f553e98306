"""Calendar feeds (iCal): one row per feed connection, and its baseline, the events we keep a
reservation for, by that reservation's key (``reservations.external_id``)."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

#: A feed connection's calendar: the unit it fills, our export token's hash, the validators
#: of the last fetch, what it found and whether its latest snapshot is held as suspect.
calendar_feeds = sa.Table(
    "calendar_feeds",
    metadata,
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), primary_key=True
    ),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("export_token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("end_is_last_night", sa.Boolean, nullable=False),
    sa.Column("etag", sa.String(1024), nullable=True),
    sa.Column("last_modified", sa.String(255), nullable=True),
    sa.Column("last_fetch_at", UtcDateTime, nullable=True),
    sa.Column("last_success_at", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("stays", sa.Integer, nullable=False),
    sa.Column("blocks", sa.Integer, nullable=False),
    # The problems of the last snapshot as a JSON list of texts.
    sa.Column("problems", sa.Text, nullable=False),
    sa.Column("suspect_since", UtcDateTime, nullable=True),
    sa.Column("suspect_reason", sa.Text, nullable=True),
    sa.Column("suspect_fingerprint", sa.String(64), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

#: The baseline: the feed event each kept reservation was made from, by reservation key.
feed_known_events = sa.Table(
    "feed_known_events",
    metadata,
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("calendar_feeds.connection_id"), primary_key=True
    ),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("uid", sa.String(1024), nullable=True),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("confirmation_code", sa.String(255), nullable=True),
    sa.Column("phone_last_digits", sa.String(16), nullable=True),
    sa.Column("guest_name", sa.String(255), nullable=True),
)
