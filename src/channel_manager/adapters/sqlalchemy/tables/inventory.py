"""Tenants and our own inventory: organisations, API keys, properties, units, rate plans."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import ExactDecimal, UtcDateTime

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
)

#: Only a hash of each key is stored; the plaintext is shown once, at creation.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False, index=True
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("key_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
)

properties = sa.Table(
    "properties",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "organization_id", sa.Uuid, sa.ForeignKey("organizations.id"), nullable=False, index=True
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("property_id", sa.Uuid, sa.ForeignKey("properties.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("max_occupancy", sa.Integer, nullable=False),
    sa.CheckConstraint("count >= 0", name="count_not_negative"),
)

#: A derived plan (issue 18) names its parent and exactly one of a percent or an amount.
#: ``parent_rate_plan_id`` has no foreign key (SQLite cannot add one to an existing table in
#: place, and rate plans are never deleted); the use case checks the parent when it is set.
rate_plans = sa.Table(
    "rate_plans",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("property_id", sa.Uuid, sa.ForeignKey("properties.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("parent_rate_plan_id", sa.Uuid, nullable=True),
    sa.Column("modifier_percent", ExactDecimal, nullable=True),
    sa.Column("modifier_amount", ExactDecimal, nullable=True),
    sa.Column("inherit_restrictions", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("property_id", "code"),
)
