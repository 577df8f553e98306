"""Our calendar (issue 15): values per unit, rate plan and night (``calendar_nights``), rooms
booked per unit and night (``booked_nights``) and the push carrying each calendar value to
each connection (``calendar_pushes``).

``booked_nights`` is backfilled from the stored reservations (every night of every room stay
with a unit, of every reservation that is not cancelled, as the domain's ``occupancy`` counts
them); from now on the transactions applying reservations keep it. The calendar itself starts
empty: a unit sells its room count until rooms to sell are set.

Revision ID: 0011_calendar
Revises: 0009_api_key_last_used
Create Date: 2026-12-05 18:00:00.000000
"""

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

from channel_manager.adapters.sqlalchemy.types import ExactDecimal

revision: str = "0011_calendar"
down_revision: str | None = "0009_api_key_last_used"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAGE = 1000


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "calendar_nights",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("rate_plan_id", sa.Uuid(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("rooms_to_sell", sa.Integer(), nullable=True),
        sa.Column("rate_amount", ExactDecimal(), nullable=True),
        sa.Column("rate_currency", sa.String(length=3), nullable=True),
        sa.Column("min_stay", sa.Integer(), nullable=True),
        sa.Column("max_stay", sa.Integer(), nullable=True),
        sa.Column("closed_to_arrival", sa.Boolean(), nullable=True),
        sa.Column("closed_to_departure", sa.Boolean(), nullable=True),
        sa.Column("stop_sell", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_calendar_nights_unit_id_units")
        ),
        sa.PrimaryKeyConstraint(
            "unit_id", "rate_plan_id", "night", name=op.f("pk_calendar_nights")
        ),
    )
    booked = op.create_table(
        "booked_nights",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_booked_nights_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("unit_id", "night", name=op.f("pk_booked_nights")),
    )
    op.create_table(
        "calendar_pushes",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("rate_plan_id", sa.Uuid(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("outbound_message_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["integration_connections.id"],
            name=op.f("fk_calendar_pushes_connection_id_integration_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["outbound_message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_calendar_pushes_outbound_message_id_outbound_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_calendar_pushes_unit_id_units")
        ),
        sa.PrimaryKeyConstraint(
            "connection_id",
            "unit_id",
            "rate_plan_id",
            "night",
            "field",
            name=op.f("pk_calendar_pushes"),
        ),
    )
    op.create_index(
        "ix_calendar_pushes_unit_night", "calendar_pushes", ["unit_id", "night"], unique=False
    )
    _backfill_booked_nights(booked)


def _backfill_booked_nights(booked: sa.Table) -> None:
    """Count every night of every stay with a unit of every reservation not cancelled."""
    stays = sa.table(
        "reservation_room_stays",
        sa.column("reservation_id", sa.Uuid()),
        sa.column("unit_id", sa.Uuid()),
        sa.column("arrival", sa.Date()),
        sa.column("departure", sa.Date()),
    )
    reservations = sa.table(
        "reservations", sa.column("id", sa.Uuid()), sa.column("status", sa.String(16))
    )
    statement = (
        sa.select(stays.c.unit_id, stays.c.arrival, stays.c.departure)
        .join(reservations, reservations.c.id == stays.c.reservation_id)
        .where(stays.c.unit_id.is_not(None), reservations.c.status != "cancelled")
    )
    counts: Counter[tuple[object, date]] = Counter()
    result = op.get_bind().execute(statement.execution_options(yield_per=_PAGE))
    for unit_id, arrival, departure in result:
        night = arrival
        while night < departure:
            counts[(unit_id, night)] += 1
            night += timedelta(days=1)
    rows = [
        {"unit_id": unit_id, "night": night, "rooms": rooms}
        for (unit_id, night), rooms in counts.items()
    ]
    for start in range(0, len(rows), _PAGE):
        op.bulk_insert(booked, rows[start : start + _PAGE])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_calendar_pushes_unit_night", table_name="calendar_pushes")
    op.drop_table("calendar_pushes")
    op.drop_table("booked_nights")
    op.drop_table("calendar_nights")
