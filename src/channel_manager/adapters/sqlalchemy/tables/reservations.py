"""Reservations and their children: room stays, nightly prices and guests.

Every amount is an exact decimal next to its currency code. A reservation is unique per
(connection, external id): two sessions applying the same booking meet on that constraint.
"""

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.types import ExactDecimal, UtcDateTime


def money_columns(prefix: str) -> tuple[sa.Column[object], sa.Column[object]]:
    """An optional amount and its currency, named ``<prefix>_amount`` and ``<prefix>_currency``."""
    return (
        sa.Column(f"{prefix}_amount", ExactDecimal, nullable=True),
        sa.Column(f"{prefix}_currency", sa.String(3), nullable=True),
    )


reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "connection_id", sa.Uuid, sa.ForeignKey("integration_connections.id"), nullable=False
    ),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("external_property_id", sa.String(255), nullable=False),
    sa.Column("property_id", sa.Uuid, sa.ForeignKey("properties.id"), nullable=True, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("revision_timestamp", UtcDateTime, nullable=False),
    sa.Column("revision_sequence", sa.BigInteger, nullable=False),
    sa.Column("booked_at", UtcDateTime, nullable=True),
    sa.Column("arrival", sa.Date, nullable=False),
    sa.Column("departure", sa.Date, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    *money_columns("amount_before_tax"),
    *money_columns("amount_after_tax"),
    *money_columns("taxes"),
    *money_columns("commission"),
    sa.Column("remarks", sa.JSON, nullable=False),
    sa.Column("special_requests", sa.JSON, nullable=False),
    # Payment summary: never a card number (the domain refuses one), only these four.
    sa.Column("has_payment", sa.Boolean, nullable=False),
    sa.Column("payment_card_type", sa.String(64), nullable=True),
    sa.Column("payment_last_four", sa.String(4), nullable=True),
    sa.Column("payment_expiry", sa.String(7), nullable=True),
    sa.Column("payment_holder_name", sa.String(255), nullable=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("raw_message_id", sa.Uuid, nullable=True),
    # Flags, services, ids, arrival time, promotion codes, cancellation time and revision
    # history (see rows/reservations.py); NULL on rows written before they existed.
    sa.Column("details", sa.JSON, nullable=True),
    sa.Column("flag_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    # A guest's booking or dates a calendar feed closed (ReservationKind).
    sa.Column("kind", sa.String(16), nullable=False, server_default=sa.text("'booking'")),
    sa.UniqueConstraint("connection_id", "external_id"),
    sa.Index("ix_reservations_property_arrival", "property_id", "arrival"),
)

reservation_room_stays = sa.Table(
    "reservation_room_stays",
    metadata,
    sa.Column(
        "reservation_id",
        sa.Uuid,
        sa.ForeignKey("reservations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Position in the reservation's tuple; ``stay_index`` is the channel's own index number.
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("stay_index", sa.Integer, nullable=False),
    sa.Column("external_room_type_id", sa.String(255), nullable=False),
    sa.Column("external_room_type_name", sa.String(255), nullable=True),
    sa.Column("external_rate_plan_id", sa.String(255), nullable=True),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=True, index=True),
    sa.Column("rate_plan_id", sa.Uuid, sa.ForeignKey("rate_plans.id"), nullable=True),
    sa.Column("arrival", sa.Date, nullable=False),
    sa.Column("departure", sa.Date, nullable=False),
    sa.Column("guest_count", sa.Integer, nullable=False),
    sa.Column("guest_names", sa.JSON, nullable=False),
    *money_columns("total"),
    *money_columns("commission"),
    sa.Column("meal_plan", sa.String(255), nullable=True),
    sa.Column("remarks", sa.JSON, nullable=False),
    # Adults, children and their ages, infants, taxes; NULL on rows written before.
    sa.Column("details", sa.JSON, nullable=True),
)

reservation_nightly_prices = sa.Table(
    "reservation_nightly_prices",
    metadata,
    sa.Column("reservation_id", sa.Uuid, primary_key=True),
    sa.Column("stay_position", sa.Integer, primary_key=True),
    # Position keeps the channel's order and tolerates a night listed twice.
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("night", sa.Date, nullable=False),
    sa.Column("amount", ExactDecimal, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("rate_plan_code", sa.String(255), nullable=True),
    sa.ForeignKeyConstraint(
        ["reservation_id", "stay_position"],
        ["reservation_room_stays.reservation_id", "reservation_room_stays.position"],
        ondelete="CASCADE",
    ),
)

#: The booker (``role='booker'``, at most one) and the reservation's guests, in order.
reservation_guests = sa.Table(
    "reservation_guests",
    metadata,
    sa.Column(
        "reservation_id",
        sa.Uuid,
        sa.ForeignKey("reservations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("given_name", sa.String(255), nullable=False),
    sa.Column("surname", sa.String(255), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("phone", sa.String(64), nullable=True),
    sa.Column("country", sa.String(64), nullable=True),
    sa.Column("language", sa.String(32), nullable=True),
    sa.Column("has_address", sa.Boolean, nullable=False),
    sa.Column("address_lines", sa.JSON, nullable=False),
    sa.Column("address_city", sa.String(255), nullable=True),
    sa.Column("address_postal_code", sa.String(64), nullable=True),
    sa.Column("address_state", sa.String(255), nullable=True),
    sa.Column("address_country_code", sa.String(8), nullable=True),
)
