"""Our calendar, rooms booked per night and the pushes carrying calendar values.

Every write is an upsert (``INSERT ... ON CONFLICT DO UPDATE``, on PostgreSQL and SQLite
alike) that sets only the columns it carries, so two transactions writing other fields of
one night, or adding bookings to one night, both keep their part: the conflicting row is
locked and the second statement works on the first one's committed row. Rows go in key order,
so two transactions touching the same nights lock them in the same order and cannot deadlock.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import groupby
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from channel_manager.adapters.sqlalchemy import tables
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
    ordered = sorted(items, key=str)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _pair_chunks(
    nights_by_unit: Mapping[UUID, Collection[date]],
) -> Iterator[list[tuple[UUID, date]]]:
    """Every (unit, night) asked, sorted, in chunks small enough for one ``IN`` list."""
    pairs = sorted(
        ((unit_id, night) for unit_id, nights in nights_by_unit.items() for night in nights),
        key=lambda pair: (str(pair[0]), pair[1]),
    )
    for start in range(0, len(pairs), _CHUNK):
        yield pairs[start : start + _CHUNK]


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


def _night_key(night: CalendarNight) -> tuple[str, str, date]:
    return (str(night.unit_id), str(_plan_column(night.rate_plan_id)), night.night)


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
        return sorted(
            found,
            key=lambda n: (
                str(n.unit_id),
                n.rate_plan_id is not None,
                str(n.rate_plan_id),
                n.night,
            ),
        )

    def rooms_to_sell(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """The rooms to sell set for the units' asked nights (only where one is set)."""
        table = tables.calendar_nights
        found: dict[UUID, dict[date, int]] = {unit_id: {} for unit_id in nights_by_unit}
        for pairs in _pair_chunks(nights_by_unit):
            statement = sa.select(table.c.unit_id, table.c.night, table.c.rooms_to_sell).where(
                table.c.rate_plan_id == UNIT_LEVEL,
                table.c.rooms_to_sell.is_not(None),
                sa.tuple_(table.c.unit_id, table.c.night).in_(pairs),
            )
            for unit_id, night, rooms in self._connection.execute(statement):
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

    def add(self, changes: Mapping[tuple[UUID, date], int]) -> None:
        """Add every change to its row (created at the change when missing), in key order."""
        if not changes:
            return
        rows = [
            {"unit_id": unit_id, "night": night, "rooms": change}
            for (unit_id, night), change in sorted(
                changes.items(), key=lambda item: (str(item[0][0]), item[0][1])
            )
        ]
        statement = _upsert(
            self._connection.dialect.name,
            tables.booked_nights,
            ("unit_id", "night"),
            ("rooms",),
            True,
        )
        self._connection.execute(statement, rows)

    def booked(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """Rooms booked per unit on each asked night, read by primary key."""
        booked = {unit_id: dict.fromkeys(nights, 0) for unit_id, nights in nights_by_unit.items()}
        table = tables.booked_nights
        for pairs in _pair_chunks(nights_by_unit):
            statement = sa.select(table.c.unit_id, table.c.night, table.c.rooms).where(
                sa.tuple_(table.c.unit_id, table.c.night).in_(pairs)
            )
            for unit_id, night, rooms in self._connection.execute(statement):
                booked[unit_id][night] = rooms
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
        """Upsert every link (the newest push replaces the older), in key order."""
        if not links:
            return
        rows = sorted(
            (
                {
                    "connection_id": link.connection_id,
                    "unit_id": link.unit_id,
                    "rate_plan_id": _plan_column(link.rate_plan_id),
                    "night": link.night,
                    "field": link.field.value,
                    "outbound_message_id": link.push_id,
                }
                for link in links
            ),
            key=lambda row: (
                str(row["connection_id"]),
                str(row["unit_id"]),
                str(row["rate_plan_id"]),
                row["night"],
                row["field"],
            ),
        )
        statement = _upsert(
            self._connection.dialect.name,
            tables.calendar_pushes,
            ("connection_id", "unit_id", "rate_plan_id", "night", "field"),
            ("outbound_message_id",),
            False,
        )
        self._connection.execute(statement, rows)

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
