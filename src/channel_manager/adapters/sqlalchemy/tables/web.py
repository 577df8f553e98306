"""The web UI's signed-in browsers and one-time sign-in tokens (hashes only)."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

#: A signed-in browser: the hash of its cookie's id, the session's JSON, and when it ends.
#: Expired rows are purged by ``expires_at``.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)

#: One-time sign-in links: the hash of the token, the organisation it signs into, its expiry.
signin_tokens = sa.Table(
    "signin_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)
