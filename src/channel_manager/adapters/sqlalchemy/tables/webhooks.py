"""Webhooks (issue 18): subscriptions, the outbox of events and one delivery per event and
subscription."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

#: An autoincrementing 64-bit key (SQLite autoincrements only an INTEGER primary key).
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: Where an organisation wants its events. ``sealed_secret`` is vault output (no plaintext
#: column); ``events`` the subscribed types, space-separated.
webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False, index=True
    ),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("events", sa.Text, nullable=False),
    sa.Column("sealed_secret", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

#: One recorded event; ``seq`` orders events of one order key (emission order), ``id`` is what
#: receivers deduplicate on.
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Uuid, nullable=False, unique=True),
    sa.Column("organization_id", sa.Uuid, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("order_key", sa.String(128), nullable=True),
)

#: One event for one subscription. Claiming reads due pending rows whose earlier rows of the
#: same (subscription, order key) are all settled: the index (subscription, order key, seq).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "subscription_id",
        sa.Uuid,
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event_seq", SEQUENCE, sa.ForeignKey("webhook_events.seq"), nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("order_key", sa.String(128), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime, nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("claimed_by", sa.String(255), nullable=True),
    sa.Index("ix_webhook_deliveries_state_due", "state", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_order", "subscription_id", "order_key", "event_seq"),
)
