"""Fixtures shared by every test suite (keep this small)."""

from __future__ import annotations

import os

import pytest

#: The PostgreSQL server the contract and end-to-end suites use; CI starts it (.ci/run).
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of a PostgreSQL server (``CM_TEST_POSTGRES_URL``) on which tests may create
    and drop their own databases.
    """
    return os.environ.get("CM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
