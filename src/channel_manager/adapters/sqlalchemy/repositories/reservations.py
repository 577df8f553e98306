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
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.engine import is_postgresql
from channel_manager.adapters.sqlalchemy.errors import is_unique_violation
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.adapters.sqlalchemy.rows.reservations import (
    reservation_from_rows,
    reservation_to_rows,
)
from channel_manager.domain.errors import InvalidValue, NotFound
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.ports.errors import DuplicateRecord, MissingReference

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")


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


#: Most values one ``IN (...)`` or ``OR`` list binds (SQLite's old limit is 999 parameters).
_CHUNK = 400


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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

    def get_many_by_external(
        self, connection_id: UUID, external_ids: Collection[str]
    ) -> dict[str, Reservation]:
        """The reservations of ``external_ids`` on this connection, by external id, locked
        as :meth:`get_by_external` locks one. The advisory locks are taken in key order (the
        array is sorted and ``unnest`` keeps its order), so two batches sharing reservations
        wait for each other instead of deadlocking.
        """
        wanted = sorted(set(external_ids))
        if not wanted:
            return {}
        table = tables.reservations
        postgresql = is_postgresql(self._connection.engine)
        if postgresql:
            keys = sorted({advisory_lock_key(connection_id, key) for key in wanted})
            self._connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) k"),
                {"keys": keys},
            )
        found: dict[str, Reservation] = {}
        for chunk in _chunks(wanted):
            statement = sa.select(table).where(
                table.c.connection_id == connection_id, table.c.external_id.in_(chunk)
            )
            if postgresql:
                statement = statement.with_for_update()
            found.update((r.external_id, r) for r in self._load(statement))
        return found

    def add_many(self, reservations: Sequence[Reservation]) -> None:
        """Insert every reservation with one statement per table (no savepoints: on a
        violation the caller rolls the transaction back).
        """
        if not reservations:
            return
        headers: builtins.list[Row] = []
        stays: builtins.list[Row] = []
        prices: builtins.list[Row] = []
        guests: builtins.list[Row] = []
        for reservation in reservations:
            rows = reservation_to_rows(reservation)
            headers.append(rows.header)
            stays.extend(rows.room_stays)
            prices.extend(rows.nightly_prices)
            guests.extend(rows.guests)
        first = reservations[0]
        key = f"{first.connection_id}/{first.external_id} (batch of {len(reservations)})"
        try:
            with _storable(first):
                self._connection.execute(tables.reservations.insert(), headers)
                if is_postgresql(self._connection.engine):
                    self._copy_children(stays, prices, guests)
                else:
                    self._insert_children(stays, prices, guests)
        except sa.exc.IntegrityError as error:
            if is_unique_violation(error):
                raise DuplicateRecord("reservation", key) from error
            raise MissingReference("reservation", key) from error

    def list(
        self,
        organization_id: UUID,
        *,
        property_id: UUID | None = None,
        connection_id: UUID | None = None,
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
        if connection_id is not None:
            where.append(table.c.connection_id == connection_id)
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

    def count_flagged(self, connection_id: UUID) -> int:
        """Non-cancelled reservations with at least one flag, counted."""
        table = tables.reservations
        statement = sa.select(sa.func.count()).where(
            table.c.connection_id == connection_id,
            table.c.status != ReservationStatus.CANCELLED.value,
            table.c.flag_count > 0,
        )
        return int(self._connection.execute(statement).scalar_one())

    def list_unlinked(
        self,
        connection_id: UUID,
        external_property_id: str,
        *,
        after: tuple[date, UUID] | None = None,
        limit: int | None = None,
    ) -> builtins.list[Reservation]:
        """Non-cancelled reservations of the hotel with no property or an unmapped stay; a
        page after ``(arrival, id)`` (keyset: rows linked meanwhile do not shift it)."""
        table = tables.reservations
        stays = tables.reservation_room_stays
        unmapped_stay = sa.exists().where(
            stays.c.reservation_id == table.c.id, stays.c.unit_id.is_(None)
        )
        where = [
            table.c.connection_id == connection_id,
            table.c.external_property_id == external_property_id,
            table.c.status != ReservationStatus.CANCELLED.value,
            sa.or_(table.c.property_id.is_(None), unmapped_stay),
        ]
        if after is not None:
            arrival, last_id = after
            where.append(
                sa.or_(
                    table.c.arrival > arrival,
                    sa.and_(table.c.arrival == arrival, table.c.id > last_id),
                )
            )
        statement = sa.select(table).where(*where).order_by(table.c.arrival, table.c.id)
        if limit is not None:
            statement = statement.limit(limit)
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

    def _copy_children(
        self, stays: Sequence[Row], prices: Sequence[Row], guests: Sequence[Row]
    ) -> None:
        """PostgreSQL's COPY for a batch's child rows (about twenty per reservation): one
        stream per table instead of a statement execution per row, several times faster.

        Values pass through each column type's bind processor first, so what is stored is
        what an INSERT would store. COPY talks to the driver directly, so its errors are
        translated here as SQLAlchemy would (the header INSERT before it has begun the
        transaction this joins).
        """
        dbapi = self._connection.dialect.dbapi
        assert dbapi is not None  # a connected dialect always has its driver module
        try:
            for table, child_rows in (
                (tables.reservation_room_stays, stays),
                (tables.reservation_nightly_prices, prices),
                (tables.reservation_guests, guests),
            ):
                if child_rows:
                    self._copy(table, child_rows)
        except dbapi.DataError as error:
            raise sa.exc.DataError("COPY", None, error) from error
        except dbapi.IntegrityError as error:
            raise sa.exc.IntegrityError("COPY", None, error) from error

    def _copy(self, table: sa.Table, rows: Sequence[Row]) -> None:
        dialect = self._connection.dialect
        names = builtins.list(rows[0])
        processors = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        ]
        quote = dialect.identifier_preparer.quote
        statement = (
            f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
        )
        # Only PostgreSQL gets here, and only through psycopg 3.
        raw = cast("psycopg.Connection[Any]", self._connection.connection.dbapi_connection)
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        row[name] if process is None else process(row[name])
                        for name, process in zip(names, processors, strict=True)
                    ]
                )

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
