"""SQLAlchemy persistence: tables, repositories, the unit of work, and migrations.

The composition root needs only what this module exports::

    engine = create_database_engine(settings.database.url)
    ensure_migrated(engine)                  # refuses to start on an unmigrated database
    uow_factory = SqlAlchemyUnitOfWorkFactory(engine, clock=clock)
"""

from channel_manager.adapters.sqlalchemy.engine import create_database_engine
from channel_manager.adapters.sqlalchemy.migrate import (
    DatabaseNotMigrated,
    current,
    downgrade,
    ensure_migrated,
    is_up_to_date,
    upgrade,
)
from channel_manager.adapters.sqlalchemy.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)

__all__ = [
    "DatabaseNotMigrated",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "create_database_engine",
    "current",
    "downgrade",
    "ensure_migrated",
    "is_up_to_date",
    "upgrade",
]
