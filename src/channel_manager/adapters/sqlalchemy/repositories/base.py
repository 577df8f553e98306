"""What every SQLAlchemy repository shares: the connection, and inserts, updates and
lookups that raise the port's named errors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.errors import is_unique_violation
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.ports.errors import DuplicateRecord, MissingReference

EntityT = TypeVar("EntityT")


class TableAccess:
    """Insert, update and fetch rows of one table through the unit of work's connection.

    Each method runs its statement at once (no identity map), so a constraint violation is
    reported by the call that caused it.
    """

    def __init__(self, connection: sa.Connection, table: sa.Table, kind: str) -> None:
        self.connection = connection
        self.table = table
        self.kind = kind

    def insert(
        self,
        row: Row,
        key: object,
        duplicate: Callable[[], DomainError] | None = None,
        *,
        savepoint: bool = True,
    ) -> None:
        """Insert ``row``; an existing id or unique key raises ``duplicate()`` (by default
        :class:`DuplicateRecord`), a dangling foreign key :class:`MissingReference`.

        ``savepoint=False`` saves two round trips for a row whose violation no caller
        recovers from (the transaction is rolled back anyway); on PostgreSQL the transaction
        is then unusable after the error.
        """
        try:
            # The row goes as parameters, not as ``.values(row)``: the statement is then the
            # same every time, so SQLAlchemy neither coerces each value into a bound
            # parameter nor computes a cache key over them (a third of an insert's CPU).
            if not savepoint:
                self.connection.execute(self.table.insert(), row)
                return
            # A savepoint keeps the transaction usable after a violation (PostgreSQL would
            # otherwise refuse every further statement of it).
            with self.connection.begin_nested():
                self.connection.execute(self.table.insert(), row)
        except sa.exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise MissingReference(self.kind, key) from error
            raise (duplicate() if duplicate else DuplicateRecord(self.kind, key)) from error

    def update(self, row: Row, key_column: str = "id") -> None:
        """Overwrite the row with the same key; raise NotFound when there is none."""
        key = row[key_column]
        # Parameters, not ``.values(row)``, for the reason given in :meth:`insert`.
        statement = self.table.update().where(self.table.c[key_column] == sa.bindparam("_key"))
        result = self.connection.execute(statement, {**row, "_key": key})
        if result.rowcount == 0:
            raise NotFound(self.kind, key)

    def delete(self, key: object, key_column: str = "id") -> int:
        """Delete the row with ``key``; how many rows went (0 or 1)."""
        result = self.connection.execute(self.table.delete().where(self.table.c[key_column] == key))
        return int(result.rowcount)

    def one(
        self, convert: Callable[[sa.RowMapping], EntityT], key: object, key_column: str = "id"
    ) -> EntityT:
        """The entity with ``key``; raise NotFound when there is none."""
        found = self.first_by(convert, **{key_column: key})
        if found is None:
            raise NotFound(self.kind, key)
        return found

    def first(
        self, convert: Callable[[sa.RowMapping], EntityT], *where: sa.ColumnElement[bool]
    ) -> EntityT | None:
        """The first entity matching ``where``, or None."""
        row = self.connection.execute(sa.select(self.table).where(*where)).mappings().first()
        return None if row is None else convert(row)

    def many(
        self,
        convert: Callable[[sa.RowMapping], EntityT],
        *where: sa.ColumnElement[bool],
        order_by: tuple[Any, ...] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[EntityT]:
        """Every entity matching ``where`` in ``order_by`` order, paged."""
        statement = sa.select(self.table).where(*where).order_by(*order_by).offset(offset)
        if limit is not None:
            statement = statement.limit(limit)
        return [convert(row) for row in self.connection.execute(statement).mappings()]

    def first_by(
        self, convert: Callable[[sa.RowMapping], EntityT], **equal: object
    ) -> EntityT | None:
        """The first entity whose columns equal ``equal``, or None (see :meth:`many_by`)."""
        statement = _select_equal(self.table, tuple(equal), ())
        row = self.connection.execute(statement, equal).mappings().first()
        return None if row is None else convert(row)

    def many_by(
        self,
        convert: Callable[[sa.RowMapping], EntityT],
        *,
        order_by: tuple[str, ...] = (),
        **equal: object,
    ) -> list[EntityT]:
        """Every entity whose columns equal ``equal`` (column name -> value), ordered by the
        ``order_by`` columns: :meth:`many` for the lookups every request makes.

        The statement is built once per shape and its values go as parameters, so SQLAlchemy
        neither rebuilds it nor recomputes its cache key on every call (a quarter of the CPU
        of a lookup; a push makes about ten).
        """
        statement = _select_equal(self.table, tuple(equal), order_by)
        return [convert(row) for row in self.connection.execute(statement, equal).mappings()]


@functools.lru_cache(maxsize=512)
def _select_equal(
    table: sa.Table, names: tuple[str, ...], order_by: tuple[str, ...]
) -> sa.Select[Any]:
    """``SELECT * FROM table WHERE name = :name AND ... ORDER BY ...``, built once per shape
    (a statement object keeps its cache key, so reusing it skips recomputing it).
    """
    where = [table.c[name] == sa.bindparam(name) for name in names]
    return sa.select(table).where(*where).order_by(*(table.c[name] for name in order_by))
