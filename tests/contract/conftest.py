"""Database fixtures for the contract suites: a SQLite file and PostgreSQL.

PostgreSQL is required, never skipped: when the server at ``CM_TEST_POSTGRES_URL`` cannot be
reached, the fixture raises and every PostgreSQL test fails with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from channel_manager.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    upgrade,
)
from channel_manager.adapters.sqlalchemy.tables import metadata
from channel_manager.adapters.system import SystemClock
from channel_manager.ports.repositories import UnitOfWork
from tests.support.clock import session_offset

#: Every repository contract test runs once per backend.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class PostgresUnavailableError(RuntimeError):
    """The test PostgreSQL server cannot be reached; the PostgreSQL tests fail with this."""


@contextmanager
def temporary_postgres_database(server_url: str) -> Iterator[str]:
    """Create a database with a random name on the server, yield its URL, drop it after."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"cm_test_{uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        raise PostgresUnavailableError(
            f"PostgreSQL at {sa.make_url(server_url).render_as_string(hide_password=True)} "
            f"is unreachable ({error.orig}); start it (.ci/run does) or set CM_TEST_POSTGRES_URL"
        ) from error
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def make_postgres_database() -> Callable[[str], AbstractContextManager[str]]:
    """:func:`temporary_postgres_database`, for tests that need a database of their own."""
    return temporary_postgres_database


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    with temporary_postgres_database(postgres_server_url) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def postgres_session_engine(migrated_postgres_url: str) -> Iterator[Engine]:
    """One engine for the session's PostgreSQL database."""
    engine = create_database_engine(migrated_postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_session_engine: Engine) -> Engine:
    """The session's PostgreSQL database, emptied before the test."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with postgres_session_engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE TABLE {names} CASCADE"))
    return postgres_session_engine


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend name of the current parametrisation."""
    return str(request.param)


@pytest.fixture
def uow_factory(backend: str, request: pytest.FixtureRequest) -> Callable[[], UnitOfWork]:
    """A unit of work factory over an empty database of the current backend (the SQLite
    file is a copy of the migrated template: tests/conftest.py)."""
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    return SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock(session_offset()))
