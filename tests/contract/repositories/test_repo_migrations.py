"""Migrations: upgrade from empty, downgrade to base, upgrade again; the start-up check;
and the packaged revisions create exactly the tables the code declares.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from channel_manager.adapters.sqlalchemy import (
    DatabaseNotMigrated,
    create_database_engine,
    current,
    downgrade,
    ensure_migrated,
    is_up_to_date,
    upgrade,
)
from channel_manager.adapters.sqlalchemy.migrate import head_revision
from channel_manager.adapters.sqlalchemy.tables import metadata

EXPECTED_TABLES = {table.name for table in metadata.sorted_tables}


def _table_names(url: str) -> set[str]:
    engine = create_database_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _schema_differences(url: str) -> list[object]:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _upgrade_downgrade_upgrade(url: str) -> None:
    assert current(url) is None
    assert not is_up_to_date(url)
    engine = create_database_engine(url)
    try:
        with pytest.raises(DatabaseNotMigrated, match="run `channel-manager db upgrade`"):
            ensure_migrated(engine)
        upgrade(url)
        assert current(url) == head_revision()
        assert is_up_to_date(url)
        ensure_migrated(engine)
        assert _table_names(url) == EXPECTED_TABLES
        assert {"integration_property_mappings", "integration_unit_mappings"} <= EXPECTED_TABLES
        assert _schema_differences(url) == []
        downgrade(url, "base")
        assert current(url) is None
        assert _table_names(url) == set()
        with pytest.raises(DatabaseNotMigrated):
            ensure_migrated(engine)
        upgrade(url)
        assert _table_names(url) == EXPECTED_TABLES
        ensure_migrated(engine)
    finally:
        engine.dispose()


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    _upgrade_downgrade_upgrade(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_upgrade(postgres_server_url, make_postgres_database):
    with make_postgres_database(postgres_server_url) as url:
        _upgrade_downgrade_upgrade(url)


@pytest.mark.postgres
def test_the_story_tables_have_their_unique_constraints(postgres_engine):
    inspector = sa.inspect(postgres_engine)
    unique = {
        table: {tuple(c["column_names"]) for c in inspector.get_unique_constraints(table)}
        for table in ("integration_property_mappings", "integration_unit_mappings")
    }
    assert ("connection_id", "external_property_id") in unique["integration_property_mappings"]
    assert ("property_mapping_id", "external_room_type_id") in unique["integration_unit_mappings"]
    columns = {c["name"]: c for c in inspector.get_columns("integration_property_mappings")}
    assert str(columns["created_at"]["type"]) == "TIMESTAMP"
    assert columns["created_at"]["type"].timezone is True
    assert "now()" in str(columns["created_at"]["default"])
    assert "true" in str(columns["sync_enabled"]["default"])
