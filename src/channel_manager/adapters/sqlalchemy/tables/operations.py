"""Operational records: sync runs, the outbound queue, the message log, sealed secrets."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), nullable=False
    ),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Index("ix_sync_runs_connection_started", "connection_id", "started_at"),
)

#: The outbox. ``payload`` is the cattrs-unstructured JSON of the message body. Claiming reads
#: due pending rows (state, next_attempt_at) and checks earlier rows of the same ordering key
#: (ordering_key, created_at, id), hence the two indexes.
outbound_messages = sa.Table(
    "outbound_messages",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), nullable=False
    ),
    sa.Column("hotel_code", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
    sa.Column("ordering_key", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("confirmation", sa.Text, nullable=True),
    sa.Column("claimed_by", sa.String(255), nullable=True),
    sa.Column("claimed_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime, nullable=True),
    sa.Index("ix_outbound_messages_due", "state", "next_attempt_at"),
    sa.Index("ix_outbound_messages_ordering", "ordering_key", "created_at", "id"),
    sa.Index("ix_outbound_messages_connection", "connection_id", "created_at"),
    # Undelivered rows only (issue 18): the newest of a key, looked up on every queue.
    sa.Index(
        "ix_outbound_messages_undelivered",
        "ordering_key",
        "created_at",
        "id",
        sqlite_where=sa.text("state IN ('pending', 'in_flight', 'failed')"),
        postgresql_where=sa.text("state IN ('pending', 'in_flight', 'failed')"),
    ),
)

#: Every XML message sent and received, bodies already redacted by the gateway.
message_log = sa.Table(
    "message_log",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), nullable=True),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("message_type", sa.String(128), nullable=False),
    sa.Column("endpoint", sa.String(2048), nullable=False),
    sa.Column("http_status", sa.Integer, nullable=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("ruid", sa.String(255), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_message_log_connection_created", "connection_id", "created_at"),
    # The newest entry of one endpoint (a connection's last push), however long its log.
    sa.Index(
        "ix_message_log_connection_endpoint_created", "connection_id", "endpoint", "created_at"
    ),
)

#: Vault output only: opaque ciphertext that names its key. No plaintext column exists.
sealed_secrets = sa.Table(
    "sealed_secrets",
    metadata,
    sa.Column("ref", sa.String(255), primary_key=True),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Who may rewrite the blob right now (a token refresh in flight) and until when.
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("leased_until", UtcDateTime, nullable=True),
)
