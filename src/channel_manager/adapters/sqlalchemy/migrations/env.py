"""Alembic environment: runs online against the connection that ``migrate.py`` passes in.

There is no ``alembic.ini``; :mod:`channel_manager.adapters.sqlalchemy.migrate` builds the
configuration in code and puts an open connection into ``config.attributes["connection"]``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from channel_manager.adapters.sqlalchemy.tables import metadata


def _run_migrations(connection: sa.Connection) -> None:
    # Batch mode lets later revisions alter columns on SQLite (copy-and-move tables).
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_migrations(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic needs a connection or sqlalchemy.url; use migrate.upgrade()")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as opened:
            _run_migrations(opened)
    finally:
        engine.dispose()


_run()
