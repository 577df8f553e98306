"""Fixtures for the OTA codec tests."""

from __future__ import annotations

import pytest

from tests.unit.ota.samples import SCHEMA_DIR, OtaSchemas


@pytest.fixture(scope="session")
def ota_schemas() -> OtaSchemas:
    """Compiled-once 2015B schemas for every test of the session."""
    return OtaSchemas(SCHEMA_DIR)
