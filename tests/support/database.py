"""Test databases: a private copy of a migrated SQLite file per test, and what tests read of it.

Migrating takes about a second; copying the migrated file takes about a millisecond. So each
process migrates one template file, the first time a test asks for a database, and every
database a test asks for is a copy of it. What a test made is closed and deleted when the test
ends (:func:`release_test_databases`, called by an autouse fixture in tests/conftest.py); the
whole folder goes when the process exits.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from channel_manager.adapters.sqlalchemy import create_database_engine, upgrade
from channel_manager.adapters.sqlalchemy.tables import metadata

_folder: Path | None = None
_template: Path | None = None
_numbers = itertools.count(1)
#: Engines made since the running test started, with their files: closed and deleted after it.
_made: list[tuple[Engine, Path]] = []


def _scratch() -> Path:
    global _folder  # noqa: PLW0603 - one folder per process, made on first use
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="cm-test-db-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder


def migrated_sqlite_template() -> Path:
    """This process's SQLite file migrated to head (made on first use; never written to)."""
    global _template  # noqa: PLW0603 - migrated once per process
    if _template is None:
        path = _scratch() / "template.db"
        upgrade(f"sqlite:///{path}")
        _template = path
    return _template


def sqlite_copy(folder: Path | None = None) -> Path:
    """A new copy of the migrated template, in ``folder`` or this process's scratch folder."""
    template = migrated_sqlite_template()
    path = (folder or _scratch()) / f"test-{next(_numbers)}.db"
    shutil.copyfile(template, path)
    return path


def fresh_engine() -> Engine:
    """An engine on a fresh copy of the migrated template, closed and deleted after the test."""
    path = sqlite_copy()
    engine = create_database_engine(f"sqlite:///{path}")
    _made.append((engine, path))
    return engine


def release_test_databases(keep: int = 0) -> None:
    """Close and delete the databases :func:`fresh_engine` made after the first ``keep``."""
    while len(_made) > keep:
        engine, path = _made.pop()
        engine.dispose()
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)


def made_so_far() -> int:
    """How many databases are open now (a test's own are those made after this count)."""
    return len(_made)


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows each table holds (empty tables left out)."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            if count:
                counts[table.name] = count
    return counts


def rows_by_key(engine: Engine, table_name: str) -> dict[Any, dict[str, Any]]:
    """Every row of ``table_name`` (a table with a one-column primary key) by its key."""
    table = metadata.tables[table_name]
    (key,) = table.primary_key.columns
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table)).mappings()
        return {row[key.name]: dict(row) for row in rows}


#: Every row of every table, each table's rows sorted (what a test compares before and after).
Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine, *, ignore: Mapping[str, set[str]] | None = None) -> Snapshot:
    """Every row of every non-empty table, leaving out the ``ignore``\\ d columns per table."""
    ignored = ignore or {}
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in ignored.get(table.name, set())]
            rows = connection.execute(sa.select(*columns)).all()
            if rows:
                tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


@attrs.define
class Transactions:
    """What :func:`counting_transactions` saw: transactions begun and committed, and the SQL
    statements run, in order."""

    begun: int = 0
    committed: int = 0
    statements: list[str] = attrs.field(factory=list)


@contextmanager
def counting_transactions(engine: Engine) -> Iterator[Transactions]:
    """Count the transactions and statements run on ``engine`` inside the block."""
    seen = Transactions()

    def begun(_connection: sa.Connection) -> None:
        seen.begun += 1

    def committed(_connection: sa.Connection) -> None:
        seen.committed += 1

    def statement(*args: Any) -> None:
        seen.statements.append(str(args[2]))

    hooks: list[tuple[str, Any]] = [
        ("begin", begun),
        ("commit", committed),
        ("before_cursor_execute", statement),
    ]
    for name, hook in hooks:
        sa.event.listen(engine, name, hook)
    try:
        yield seen
    finally:
        for name, hook in hooks:
            sa.event.remove(engine, name, hook)
