"""Engines from a URL: SQLite file by default, PostgreSQL through psycopg 3.

Nothing here connects at import time; :func:`create_database_engine` is called by the composition
root (or a test fixture) with the configured URL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, ExceptionContext

from channel_manager.adapters.sqlalchemy.errors import UnstorableValue

#: How long a SQLite connection waits for another writer before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite (one worker, no row locks)."""
    return engine.dialect.name == "sqlite"


def is_postgresql(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL (row locks, ``SKIP LOCKED``)."""
    return engine.dialect.name == "postgresql"


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, and ``BEGIN IMMEDIATE`` transactions.

    pysqlite starts transactions lazily and ``DEFERRED``: two transactions that both read and then
    write fail with ``database is locked`` no matter the busy timeout. Taking the write lock at
    ``BEGIN`` serialises writers instead, which also makes a claim (select, then update) atomic
    between processes. WAL keeps readers of other connections unblocked meanwhile.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # Hand transaction control to SQLAlchemy (the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refuse_unstorable_values(engine: Engine) -> None:
    """Values the database cannot hold become :class:`UnstorableValue` (a domain error).

    PEP 249's ``DataError`` is "a problem with the processed data": PostgreSQL refuses NUL
    characters in text and integers beyond its types, in writes and in lookups alike; SQLite's
    driver raises ``OverflowError`` for integers beyond 64 bits. Every such value came in from
    outside, so it is the caller's error, wherever in the code it reached the database.
    """

    @sa.event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        original = context.original_exception
        if isinstance(context.sqlalchemy_exception, sa.exc.DataError) or isinstance(
            original, OverflowError
        ):
            reason = str(original).splitlines()[0] if str(original) else type(original).__name__
            raise UnstorableValue(reason) from original


def create_database_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://...``).

    SQLite gets its pragmas on every new connection; PostgreSQL connections are checked before
    use so a restarted server does not fail the first request. On both, a value the database
    cannot hold is refused as :class:`UnstorableValue`.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, echo=echo)
        _configure_sqlite(engine)
    else:
        engine = sa.create_engine(parsed, echo=echo, pool_pre_ping=True)
    _refuse_unstorable_values(engine)
    return engine
