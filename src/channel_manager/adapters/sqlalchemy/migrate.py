"""Schema migrations in code: upgrade, downgrade, and the start-up check.

The CLI's ``channel-manager db upgrade`` calls :func:`upgrade`; the service calls
:func:`ensure_migrated` before it serves anything, so an unmigrated database fails loudly with
the command to run instead of failing later on a missing table.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from channel_manager.adapters.sqlalchemy.engine import create_database_engine

#: Where the revisions live, as a package resource (works from a wheel, not only a checkout).
SCRIPT_LOCATION = "channel_manager.adapters.sqlalchemy:migrations"
UPGRADE_COMMAND = "channel-manager db upgrade"


# The name is the contract the CLI and the lead's wiring use, hence no Error suffix.
class DatabaseNotMigrated(RuntimeError):  # noqa: N818
    """The database schema is missing or behind the code; the message says what to run."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The newest revision this code base ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships an initial revision
        raise DatabaseNotMigrated("no migrations are packaged")
    return head


def _run(engine: Engine, action: str, revision: str, vault_keys: str | None = None) -> None:
    config = _config()
    # Revisions that re-seal secrets (0006) need the keys; else they read CM_VAULT_KEYS.
    config.attributes["vault_keys"] = vault_keys
    # One transaction for the whole run: on PostgreSQL a failed revision leaves nothing behind.
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def upgrade_engine(
    engine: Engine, revision: str = "head", *, vault_keys: str | None = None
) -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest);
    ``vault_keys`` (else ``CM_VAULT_KEYS``) re-seal what a revision re-seals."""
    _run(engine, "upgrade", revision, vault_keys)


def downgrade_engine(engine: Engine, revision: str, *, vault_keys: str | None = None) -> None:
    """Downgrade the database behind ``engine`` to ``revision`` (``"base"`` drops everything)."""
    _run(engine, "downgrade", revision, vault_keys)


def _with_engine_for(url: str) -> Engine:
    return create_database_engine(url)


def upgrade(url: str, revision: str = "head", *, vault_keys: str | None = None) -> None:
    """Upgrade the database at ``url`` to ``revision`` (default: the newest)."""
    engine = _with_engine_for(url)
    try:
        upgrade_engine(engine, revision, vault_keys=vault_keys)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str, *, vault_keys: str | None = None) -> None:
    """Downgrade the database at ``url`` to ``revision`` (``"base"`` drops every table)."""
    engine = _with_engine_for(url)
    try:
        downgrade_engine(engine, revision, vault_keys=vault_keys)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at, or ``None`` when never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at, or ``None`` when never migrated."""
    engine = _with_engine_for(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def is_up_to_date(url: str) -> bool:
    """True when the database at ``url`` is at the newest packaged revision."""
    return current(url) == head_revision()


def ensure_migrated(engine: Engine) -> None:
    """Raise :class:`DatabaseNotMigrated` unless the database is at the newest revision."""
    found = current_revision(engine)
    expected = head_revision()
    if found == expected:
        return
    where = engine.url.render_as_string(hide_password=True)
    if found is None:
        raise DatabaseNotMigrated(
            f"the database at {where} has no schema yet; run `{UPGRADE_COMMAND}`"
        )
    raise DatabaseNotMigrated(
        f"the database at {where} is at revision {found}, the code needs {expected}; "
        f"run `{UPGRADE_COMMAND}`"
    )
