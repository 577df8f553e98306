"""Our calendar: values per unit and rate plan and night, rooms booked per unit and night, and
the push that carries each calendar value to each connection.

A primary key column cannot be NULL, so a unit-level night (no rate plan) is stored under
:data:`UNIT_LEVEL`, the nil UUID, which no rate plan has; ``rate_plan_id`` therefore has no
foreign key (rate plans are never deleted).
"""

from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.tables.reservations import money_columns

#: The ``rate_plan_id`` of a unit-level night.
UNIT_LEVEL = UUID(int=0)

#: Every value column is NULL while it is not set.
calendar_nights = sa.Table(
    "calendar_nights",
    metadata,
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("rate_plan_id", sa.Uuid, primary_key=True),
    sa.Column("night", sa.Date, primary_key=True),
    sa.Column("rooms_to_sell", sa.Integer, nullable=True),
    *money_columns("rate"),
    sa.Column("min_stay", sa.Integer, nullable=True),
    sa.Column("max_stay", sa.Integer, nullable=True),
    sa.Column("closed_to_arrival", sa.Boolean, nullable=True),
    sa.Column("closed_to_departure", sa.Boolean, nullable=True),
    sa.Column("stop_sell", sa.Boolean, nullable=True),
)

#: Rooms booked per unit and night, changed in the transaction that applies a reservation.
booked_nights = sa.Table(
    "booked_nights",
    metadata,
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("night", sa.Date, primary_key=True),
    sa.Column("rooms", sa.Integer, nullable=False),
)

#: The push carrying the newest value of each field of a night to each connection.
calendar_pushes = sa.Table(
    "calendar_pushes",
    metadata,
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), primary_key=True
    ),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("rate_plan_id", sa.Uuid, primary_key=True),
    sa.Column("night", sa.Date, primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column(
        "outbound_message_id", sa.Uuid, sa.ForeignKey("outbound_messages.id"), nullable=False
    ),
    sa.Index("ix_calendar_pushes_unit_night", "unit_id", "night"),
)
