"""Our calendar, rooms booked per night and the pushes carrying calendar values.

Every write is an upsert (``INSERT ... ON CONFLICT DO UPDATE``, on PostgreSQL and SQLite
alike) that sets only the columns it carries, so two transactions writing other fields of
one night, or adding bookings to one night, both keep their part: the conflicting row is
locked and the second statement works on the first one's committed row. Rows go in key order,
so two transactions touching the same nights lock them in the same order and cannot deadlock.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import groupby
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.engine import is_postgresql
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.adapters.sqlalchemy.rows.reservations import stored_money
from channel_manager.adapters.sqlalchemy.tables.calendar import UNIT_LEVEL
from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.calendar import (
    CalendarField,
    CalendarNight,
    CalendarPushLink,
    CalendarPushState,
)
from channel_manager.domain.sync import OutboundState

#: Most units one ``IN (...)`` binds.
_CHUNK = 400

#: The value columns a DayValues field is stored in.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "availability": ("rooms_to_sell",),
    "rate": ("rate_amount", "rate_currency"),
    "min_los": ("min_stay",),
    "max_los": ("max_stay",),
    "closed_to_arrival": ("closed_to_arrival",),
    "closed_to_departure": ("closed_to_departure",),
    "stop_sell": ("stop_sell",),
}


def _plan_column(rate_plan_id: UUID | None) -> UUID:
    return UNIT_LEVEL if rate_plan_id is None else rate_plan_id


def _plan_id(stored: UUID) -> UUID | None:
    return None if stored == UNIT_LEVEL else stored


def _chunks(items: Collection[UUID]) -> Iterator[list[UUID]]:
    ordered = sorted(items)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _span(nights_by_unit: Mapping[UUID, Collection[date]]) -> tuple[date, date] | None:
    """The first and last night asked of any unit (None when none is asked)."""
    firsts = [min(nights) for nights in nights_by_unit.values() if nights]
    if not firsts:
        return None
    return min(firsts), max(max(nights) for nights in nights_by_unit.values() if nights)


@lru_cache(maxsize=1)
def _booked_range() -> sa.Select[date, int]:
    """One unit's stored counts over ``:first..:last``, built once."""
    table = tables.booked_nights
    return sa.select(table.c.night, table.c.rooms).where(
        table.c.unit_id == sa.bindparam("unit_id", type_=sa.Uuid),
        table.c.night >= sa.bindparam("first", type_=sa.Date),
        table.c.night <= sa.bindparam("last", type_=sa.Date),
    )


@lru_cache(maxsize=1)
def _booked_nights() -> sa.Select[date, int]:
    """One unit's stored counts on the ``:nights`` listed (an expanding IN), built once."""
    table = tables.booked_nights
    return sa.select(table.c.night, table.c.rooms).where(
        table.c.unit_id == sa.bindparam("unit_id", type_=sa.Uuid),
        table.c.night.in_(sa.bindparam("nights", expanding=True)),
    )


#: A unit's asked nights are read as one range while the range holds at most this many
#: nights per night asked; sparser (a batch's stays years apart), the nights themselves.
_DENSE_RANGE = 4


@lru_cache(maxsize=64)
def _upsert(
    dialect: str, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...], add: bool
) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET`` each of ``columns`` to the new value
    (``add``: to the stored value plus the new one), built once per shape."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    values = {
        name: (table.c[name] + statement.excluded[name]) if add else statement.excluded[name]
        for name in columns
    }
    return statement.on_conflict_do_update(index_elements=list(keys), set_=values)


#: PostgreSQL array types of the columns the bulk upserts write.
_PG_ARRAYS = {"night": "date[]", "rooms": "integer[]", "field": "text[]"}


@lru_cache(maxsize=8)
def _pg_unnest_upsert(
    table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...], add: bool, returning: str
) -> sa.TextClause:
    """PostgreSQL's bulk form of :func:`_upsert`: every row in one statement, each column as
    one array parameter (``unnest``), so the statement is the same whatever the row count
    (psycopg sends the arrays natively); ``returning``: columns to return, or "".
    """
    names = [column.name for column in table.columns]
    arrays = ", ".join(f"CAST(:{name} AS {_PG_ARRAYS.get(name, 'uuid[]')})" for name in names)
    updates = ", ".join(
        f"{name} = {table.name}.{name} + excluded.{name}" if add else f"{name} = excluded.{name}"
        for name in columns
    )
    tail = f" RETURNING {returning}" if returning else ""
    return sa.text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "  # noqa: S608 -- table and column names only
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}{tail}"
    )


def _as_arrays(table: sa.Table, rows: Sequence[Row]) -> dict[str, list[object]]:
    return {column.name: [row[column.name] for row in rows] for column in table.columns}


def _night_row(night: CalendarNight) -> Row:
    values = night.values
    rate = values.rate
    return {
        "unit_id": night.unit_id,
        "rate_plan_id": _plan_column(night.rate_plan_id),
        "night": night.night,
        "rooms_to_sell": values.availability,
        "rate_amount": None if rate is None else rate.amount,
        "rate_currency": None if rate is None else rate.currency,
        "min_stay": values.min_los,
        "max_stay": values.max_los,
        "closed_to_arrival": values.closed_to_arrival,
        "closed_to_departure": values.closed_to_departure,
        "stop_sell": values.stop_sell,
    }


def _night_from_row(row: sa.RowMapping) -> CalendarNight:
    amount, currency = row["rate_amount"], row["rate_currency"]
    values = DayValues(
        availability=row["rooms_to_sell"],
        rate=None if amount is None else stored_money(amount, currency),
        min_los=row["min_stay"],
        max_los=row["max_stay"],
        closed_to_arrival=row["closed_to_arrival"],
        closed_to_departure=row["closed_to_departure"],
        stop_sell=row["stop_sell"],
    )
    return CalendarNight(row["unit_id"], _plan_id(row["rate_plan_id"]), row["night"], values)


def _set_columns(night: CalendarNight) -> tuple[str, ...]:
    """The columns of the fields ``night`` sets."""
    return tuple(
        column
        for name, columns in _COLUMNS.items()
        if getattr(night.values, name) is not None
        for column in columns
    )


def _night_key(night: CalendarNight) -> tuple[UUID, UUID, date]:
    return (night.unit_id, _plan_column(night.rate_plan_id), night.night)


class SqlAlchemyCalendarRepository:
    """Calendar nights (``calendar_nights``)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> builtins.list[CalendarNight]:
        """The stored nights of the units in ``start..end``, unit level first."""
        table = tables.calendar_nights
        found: builtins.list[CalendarNight] = []
        for chunk in _chunks(unit_ids):
            statement = sa.select(table).where(
                table.c.unit_id.in_(chunk), table.c.night >= start, table.c.night <= end
            )
            found.extend(
                _night_from_row(row) for row in self._connection.execute(statement).mappings()
            )
        return sorted(found, key=CalendarNight.sort_key)

    def rooms_to_sell(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """The rooms to sell set for the units' asked nights (only where one is set): one
        range read per chunk of units, from the first night asked to the last."""
        found: dict[UUID, dict[date, int]] = {unit_id: {} for unit_id in nights_by_unit}
        span = _span(nights_by_unit)
        if span is None:
            return found
        table = tables.calendar_nights
        asked = {unit_id: set(nights) for unit_id, nights in nights_by_unit.items()}
        for chunk in _chunks([unit_id for unit_id, nights in asked.items() if nights]):
            statement = sa.select(table.c.unit_id, table.c.night, table.c.rooms_to_sell).where(
                table.c.unit_id.in_(chunk),
                table.c.rate_plan_id == UNIT_LEVEL,
                table.c.night >= span[0],
                table.c.night <= span[1],
                table.c.rooms_to_sell.is_not(None),
            )
            for unit_id, night, rooms in self._connection.execute(statement):
                if night in asked[unit_id]:
                    found[unit_id][night] = rooms
        return found

    def merge(self, nights: Sequence[CalendarNight]) -> None:
        """Upsert each night, setting only the columns of the fields it sets (one statement
        per set of fields)."""
        dialect = self._connection.dialect.name
        by_columns = sorted(
            ((_set_columns(night), night) for night in nights), key=lambda item: item[0]
        )
        for columns, group in groupby(by_columns, key=lambda item: item[0]):
            if not columns:
                continue
            rows = [_night_row(night) for _, night in sorted(group, key=lambda i: _night_key(i[1]))]
            statement = _upsert(
                dialect,
                tables.calendar_nights,
                ("unit_id", "rate_plan_id", "night"),
                columns,
                False,
            )
            self._connection.execute(statement, rows)


class SqlAlchemyBookedNightRepository:
    """Rooms booked per unit and night (``booked_nights``)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, changes: Mapping[tuple[UUID, date], int]) -> dict[tuple[UUID, date], int]:
        """Add every change to its row (created at the change when missing), in key order;
        the new counts. PostgreSQL writes them in one statement that returns them; SQLite
        (in-process, one writer) runs the upsert per row and reads them back."""
        if not changes:
            return {}
        table = tables.booked_nights
        rows = [
            {"unit_id": unit_id, "night": night, "rooms": change}
            for (unit_id, night), change in sorted(
                changes.items(), key=lambda item: (item[0][0].int, item[0][1])
            )
        ]
        keys = ("unit_id", "night")
        if is_postgresql(self._connection.engine):
            statement = _pg_unnest_upsert(table, keys, ("rooms",), True, "unit_id, night, rooms")
            result = self._connection.execute(statement, _as_arrays(table, rows))
            return {(unit_id, night): rooms for unit_id, night, rooms in result}
        self._connection.execute(_upsert("sqlite", table, keys, ("rooms",), True), rows)
        nights: dict[UUID, list[date]] = defaultdict(list)
        for unit_id, night in changes:
            nights[unit_id].append(night)
        booked = self.booked(nights)
        return {(unit_id, night): booked[unit_id][night] for unit_id, night in changes}

    def booked(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """Rooms booked per unit on each asked night: per unit, one primary key range read
        from its first night asked to its last, or, when the asked nights are sparse in that
        range (a batch whose stays lie years apart), a read of those nights only. Either way
        the rows read depend on the nights asked, never on the reservations stored."""
        booked = {unit_id: dict.fromkeys(nights, 0) for unit_id, nights in nights_by_unit.items()}
        for unit_id, by_night in booked.items():
            if not by_night:
                continue
            first, last = min(by_night), max(by_night)
            if (last - first).days + 1 <= _DENSE_RANGE * len(by_night):
                params = {"unit_id": unit_id, "first": first, "last": last}
                found = list(self._connection.execute(_booked_range(), params))
            else:
                asked = sorted(by_night)
                found = [
                    row
                    for start in range(0, len(asked), _CHUNK)
                    for row in self._connection.execute(
                        _booked_nights(),
                        {"unit_id": unit_id, "nights": asked[start : start + _CHUNK]},
                    )
                ]
            for night, rooms in found:
                if night in by_night:
                    by_night[night] = rooms
        return booked

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> dict[UUID, dict[date, int]]:
        """Stored counts of the units' nights in ``start..end`` (a primary key range read)."""
        table = tables.booked_nights
        found: dict[UUID, dict[date, int]] = {unit_id: {} for unit_id in unit_ids}
        for chunk in _chunks(unit_ids):
            statement = sa.select(table.c.unit_id, table.c.night, table.c.rooms).where(
                table.c.unit_id.in_(chunk), table.c.night >= start, table.c.night <= end
            )
            for unit_id, night, rooms in self._connection.execute(statement):
                found[unit_id][night] = rooms
        return found


class SqlAlchemyCalendarPushRepository:
    """Links from calendar values to pushes (``calendar_pushes``)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def link(self, links: Sequence[CalendarPushLink]) -> None:
        """Upsert every link (the newest push replaces the older; of two for one key in
        ``links``, the later), in key order."""
        if not links:
            return
        latest: dict[tuple[int, int, int, date, str], Row] = {}
        for link in links:
            plan = _plan_column(link.rate_plan_id)
            key = (link.connection_id.int, link.unit_id.int, plan.int, link.night, link.field)
            latest[key] = {
                "connection_id": link.connection_id,
                "unit_id": link.unit_id,
                "rate_plan_id": plan,
                "night": link.night,
                "field": link.field.value,
                "outbound_message_id": link.push_id,
            }
        rows = [latest[key] for key in sorted(latest)]
        table = tables.calendar_pushes
        keys = ("connection_id", "unit_id", "rate_plan_id", "night", "field")
        if is_postgresql(self._connection.engine):
            statement = _pg_unnest_upsert(table, keys, ("outbound_message_id",), False, "")
            self._connection.execute(statement, _as_arrays(table, rows))
            return
        self._connection.execute(
            _upsert("sqlite", table, keys, ("outbound_message_id",), False), rows
        )

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> builtins.list[CalendarPushState]:
        """The units' links in ``start..end`` joined with their pushes' states."""
        links = tables.calendar_pushes
        outbound = tables.outbound_messages
        found: builtins.list[CalendarPushState] = []
        for chunk in _chunks(unit_ids):
            statement = (
                sa.select(links, outbound.c.state)
                .join(outbound, outbound.c.id == links.c.outbound_message_id)
                .where(links.c.unit_id.in_(chunk), links.c.night >= start, links.c.night <= end)
            )
            for row in self._connection.execute(statement).mappings():
                link = CalendarPushLink(
                    row["connection_id"],
                    row["unit_id"],
                    _plan_id(row["rate_plan_id"]),
                    row["night"],
                    CalendarField(row["field"]),
                    row["outbound_message_id"],
                )
                found.append(CalendarPushState(link, OutboundState(row["state"])))
        return found
