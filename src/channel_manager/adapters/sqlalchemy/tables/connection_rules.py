"""Per-connection rules (issue 18): a price modifier, an availability cap and a stop-sell."""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import UtcDateTime

#: One row per connection that has rules (none: the channel is sent our calendar as it is).
#: The modifier is kept as its exact decimal text, at most one of percent and amount set.
connection_rules = sa.Table(
    "connection_rules",
    metadata,
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), primary_key=True
    ),
    sa.Column("modifier_percent", sa.String(32), nullable=True),
    sa.Column("modifier_amount", sa.String(32), nullable=True),
    sa.Column("availability_cap", sa.Integer, nullable=True),
    sa.Column("stop_sell", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
