"""The push inbox (issue 17): pushed messages acknowledged and waiting to be applied."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

#: One pushed message. ``sealed_body`` is vault output (the raw body holds guests' data and
#: possibly a card): no plaintext column exists. ``routes`` lists each reservation's id,
#: hotel code and the connection routing found; ``connection_keys`` holds those connections
#: as `` <uuid> <uuid> `` so an organisation's rows are found with ``LIKE``. Claiming reads
#: pending rows in arrival order: the index (state, received_at, id).
push_inbox = sa.Table(
    "push_inbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("sealed_body", sa.LargeBinary, nullable=False),
    sa.Column("message_type", sa.String(128), nullable=False),
    sa.Column("ruid", sa.String(255), nullable=True),
    sa.Column("routes", sa.JSON, nullable=False),
    sa.Column("connection_keys", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("failure", sa.String(32), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_push_inbox_state_received", "state", "received_at", "id"),
)
