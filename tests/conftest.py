"""Fixtures shared by every test suite (keep this small)."""

from __future__ import annotations

import os

import pytest
import stamina
from hypothesis import settings

from booking_sandbox.clock import CLOCK_OFFSET_ENV
from tests.support.clock import TEST_NOW_ENV, session_now, session_offset_seconds

#: The date sweep (tests/sweep) runs the property tests once per hard day with fewer examples.
settings.register_profile("sweep", max_examples=20)
settings.load_profile(os.environ.get("CM_HYPOTHESIS_PROFILE", "default"))

#: The PostgreSQL server the contract and end-to-end suites use; CI starts it (.ci/run).
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pytest_configure() -> None:
    """Every sandbox (in this process or a child) and every service a test starts as a child
    process lives at the session's instant (``CM_TEST_NOW``; see tests/support/clock.py);
    retries do not wait."""
    offset = session_offset_seconds()
    os.environ[CLOCK_OFFSET_ENV] = offset
    os.environ["CM_CLOCK_OFFSET"] = offset
    # In-process retries (stamina) keep their attempts but wait nothing: no test sleeps for a
    # backoff. Child processes (end-to-end suites) retry as in production.
    stamina.set_testing(True, attempts=1_000, cap=True)


def pytest_report_header() -> str:
    """Which day the session lives on, and how to live on it again."""
    shown = session_now().isoformat(timespec="seconds").replace("+00:00", "Z")
    source = TEST_NOW_ENV if os.environ.get(TEST_NOW_ENV) else "the real time at start"
    return f"test clock: {shown} ({source}; repeat with {TEST_NOW_ENV}={shown})"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of a PostgreSQL server (``CM_TEST_POSTGRES_URL``) on which tests may create
    and drop their own databases.
    """
    return os.environ.get("CM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
