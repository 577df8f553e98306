"""Reservations with their room stays, nightly prices and guests.

Concurrency: two sessions applying the same channel reservation must not both decide from a
stale read. On PostgreSQL :meth:`get_by_external` therefore takes a transaction-scoped advisory
lock on (connection, external id) before reading, and locks the row itself (``FOR UPDATE``):
the second session waits until the first commits, then reads its result, so the ledger sees
the newest revision. The lock works even when the reservation does not exist yet, where a row
lock would have nothing to lock. On SQLite, ``BEGIN IMMEDIATE`` already serialises writers.
The unique constraint on (connection_id, external_id) is the last line of defence.
"""

from __future__ import annotations

import builtins
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.engine import is_postgresql
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.adapters.sqlalchemy.rows.reservations import (
    reservation_from_rows,
    reservation_to_rows,
)
from channel_manager.domain.errors import InvalidValue, NotFound
from channel_manager.domain.reservation import Reservation, ReservationStatus


@contextmanager
def _storable(reservation: Reservation) -> Iterator[None]:
    """A value the columns cannot hold (a 300-character id on PostgreSQL's VARCHAR(255)) is
    the sender's error: a named 4xx, not a 500 that would make it resend forever.
    """
    try:
        yield
    except sa.exc.DataError as error:
        raise InvalidValue(
            f"reservation {reservation.external_id[:40]!r} holds a value too long or too large "
            "to store"
        ) from error


_CHILD_TABLES = (
    tables.reservation_nightly_prices,
    tables.reservation_room_stays,
    tables.reservation_guests,
)


def advisory_lock_key(connection_id: UUID, external_id: str) -> int:
    """A signed 64-bit key for ``pg_advisory_xact_lock`` naming one channel reservation."""
    digest = hashlib.blake2b(f"{connection_id}:{external_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SqlAlchemyReservationRepository:
    """Reservations stored as a header row plus child rows."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.reservations, "reservation")

    def get(self, id: UUID) -> Reservation:
        """The reservation; NotFound when unknown."""
        found = self._load(sa.select(tables.reservations).where(tables.reservations.c.id == id))
        if not found:
            raise NotFound("reservation", id)
        return found[0]

    def add(self, reservation: Reservation) -> None:
        """Insert a new reservation; an existing (connection, external id) is a
        DuplicateRecord.
        """
        rows = reservation_to_rows(reservation)
        with _storable(reservation):
            self._rows.insert(rows.header, f"{reservation.connection_id}/{reservation.external_id}")
            self._insert_children(rows.room_stays, rows.nightly_prices, rows.guests)

    def update(self, reservation: Reservation) -> None:
        """Overwrite an existing reservation, children included."""
        rows = reservation_to_rows(reservation)
        with _storable(reservation):
            self._rows.update(rows.header)
            for table in _CHILD_TABLES:
                self._connection.execute(
                    table.delete().where(table.c.reservation_id == reservation.id)
                )
            self._insert_children(rows.room_stays, rows.nightly_prices, rows.guests)

    def get_by_external(self, connection_id: UUID, external_id: str) -> Reservation | None:
        """The reservation ``external_id`` of this connection, locked for this transaction
        on PostgreSQL (see the module docstring).
        """
        table = tables.reservations
        statement = sa.select(table).where(
            table.c.connection_id == connection_id, table.c.external_id == external_id
        )
        if is_postgresql(self._connection.engine):
            key = advisory_lock_key(connection_id, external_id)
            self._connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
            statement = statement.with_for_update()
        found = self._load(statement)
        return found[0] if found else None

    def list(
        self,
        organization_id: UUID,
        *,
        property_id: UUID | None = None,
        status: ReservationStatus | None = None,
        arrival_from: date | None = None,
        arrival_to: date | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Reservation]:
        """An organisation's reservations by arrival (then id); ``arrival_to`` inclusive."""
        table = tables.reservations
        connections = tables.connections
        where = [connections.c.organization_id == organization_id]
        if property_id is not None:
            where.append(table.c.property_id == property_id)
        if status is not None:
            where.append(table.c.status == status.value)
        if arrival_from is not None:
            where.append(table.c.arrival >= arrival_from)
        if arrival_to is not None:
            where.append(table.c.arrival <= arrival_to)
        statement = (
            sa.select(table)
            .join(connections, connections.c.id == table.c.connection_id)
            .where(*where)
            .order_by(table.c.arrival, table.c.id)
            .limit(limit)
            .offset(offset)
        )
        return self._load(statement)

    def list_overlapping(self, unit_id: UUID, start: date, end: date) -> builtins.list[Reservation]:
        """Non-cancelled reservations with a stay of ``unit_id`` on a night in
        ``start..end`` (inclusive), by arrival (then id).
        """
        table = tables.reservations
        stays = tables.reservation_room_stays
        # A stay's nights run from arrival to the night before departure.
        overlapping_stay = sa.exists().where(
            stays.c.reservation_id == table.c.id,
            stays.c.unit_id == unit_id,
            stays.c.arrival <= end,
            stays.c.departure > start,
        )
        statement = (
            sa.select(table)
            .where(table.c.status != ReservationStatus.CANCELLED.value, overlapping_stay)
            .order_by(table.c.arrival, table.c.id)
        )
        return self._load(statement)

    def find_by_external_id(self, external_id: str) -> builtins.list[Reservation]:
        """Every reservation with this channel id, on any connection."""
        table = tables.reservations
        statement = (
            sa.select(table)
            .where(table.c.external_id == external_id)
            .order_by(table.c.connection_id, table.c.id)
        )
        return self._load(statement)

    def count_unlinked(self, connection_id: UUID) -> int:
        """Non-cancelled reservations with no property or an unmapped stay, counted."""
        table = tables.reservations
        stays = tables.reservation_room_stays
        unmapped_stay = sa.exists().where(
            stays.c.reservation_id == table.c.id, stays.c.unit_id.is_(None)
        )
        statement = sa.select(sa.func.count()).where(
            table.c.connection_id == connection_id,
            table.c.status != ReservationStatus.CANCELLED.value,
            sa.or_(table.c.property_id.is_(None), unmapped_stay),
        )
        return int(self._connection.execute(statement).scalar_one())

    def list_unlinked(
        self, connection_id: UUID, external_property_id: str
    ) -> builtins.list[Reservation]:
        """Non-cancelled reservations of the hotel with no property or an unmapped stay."""
        table = tables.reservations
        stays = tables.reservation_room_stays
        unmapped_stay = sa.exists().where(
            stays.c.reservation_id == table.c.id, stays.c.unit_id.is_(None)
        )
        statement = (
            sa.select(table)
            .where(
                table.c.connection_id == connection_id,
                table.c.external_property_id == external_property_id,
                table.c.status != ReservationStatus.CANCELLED.value,
                sa.or_(table.c.property_id.is_(None), unmapped_stay),
            )
            .order_by(table.c.arrival, table.c.id)
        )
        return self._load(statement)

    def _insert_children(
        self, stays: Sequence[Row], prices: Sequence[Row], guests: Sequence[Row]
    ) -> None:
        # Stays before prices: prices refer to their stay.
        for table, child_rows in (
            (tables.reservation_room_stays, stays),
            (tables.reservation_nightly_prices, prices),
            (tables.reservation_guests, guests),
        ):
            if child_rows:
                self._connection.execute(table.insert(), list(child_rows))

    def _load(self, statement: sa.Select[tuple[object, ...]]) -> builtins.list[Reservation]:
        """Run a select of reservation headers and attach every header's children."""
        headers = builtins.list(self._connection.execute(statement).mappings())
        if not headers:
            return []
        ids = [header["id"] for header in headers]
        children: dict[str, dict[UUID, builtins.list[sa.RowMapping]]] = {}
        for table in _CHILD_TABLES:
            by_reservation: dict[UUID, builtins.list[sa.RowMapping]] = defaultdict(builtins.list)
            result = self._connection.execute(
                sa.select(table).where(table.c.reservation_id.in_(ids))
            )
            for row in result.mappings():
                by_reservation[row["reservation_id"]].append(row)
            children[table.name] = by_reservation
        return [
            reservation_from_rows(
                header,
                children["reservation_room_stays"][header["id"]],
                children["reservation_nightly_prices"][header["id"]],
                children["reservation_guests"][header["id"]],
            )
            for header in headers
        ]
