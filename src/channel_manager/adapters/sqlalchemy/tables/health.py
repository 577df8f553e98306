"""Channel health (issue 18): per connection, its poll record and last evaluated status, and
the reservations left unacknowledged at the channel."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

#: One row per connection once polled or evaluated: the last successful poll, the poll
#: attempts of the current and previous hour (a sliding error rate without a row per poll),
#: and the status last evaluated (a turn to red is notified once). The worker claims rows by
#: ``checked_at``.
connection_health = sa.Table(
    "connection_health",
    metadata,
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), primary_key=True
    ),
    sa.Column("last_poll_at", UtcDateTime, nullable=True),
    sa.Column("window_started_at", UtcDateTime, nullable=True),
    sa.Column("poll_attempts", sa.Integer, nullable=False),
    sa.Column("poll_failures", sa.Integer, nullable=False),
    sa.Column("previous_attempts", sa.Integer, nullable=False),
    sa.Column("previous_failures", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=True),
    sa.Column("status_since", UtcDateTime, nullable=True),
    sa.Column("checked_at", UtcDateTime, nullable=True),
)

#: A channel reservation offered to us that we could not acknowledge (not stored, or the
#: acknowledgement refused), since when, why, and when ``reservation.unacknowledged`` was
#: sent. Deleted once acknowledged.
unacknowledged_reservations = sa.Table(
    "unacknowledged_reservations",
    metadata,
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), primary_key=True
    ),
    sa.Column("external_id", sa.String(255), primary_key=True),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("notified_at", UtcDateTime, nullable=True),
)
