"""Fixtures for the proof suites (issue 7): reliability (R1, R2), attacks (R3), access (R4),
secrets (R5) and the OpenAPI contract (R6).

Every suite runs in CI at a size that fits the time; ``CM_PROOF_FULL=1`` (``make proof``) runs
the sizes the issue names. The end-to-end fixtures (sandbox, service, tenants) are shared with
``tests/e2e`` so a proof drives the product exactly as the end-to-end tests do.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import (  # noqa: F401 -- fixtures shared with the end-to-end suite
    database_url,
    migrated_sqlite_template,
    sandbox,
    sandbox_http,
    service,
    service_settings_extra,
    tenant,
    tenant_factory,
)

#: ``CM_PROOF_FULL=1`` runs every proof at the size the issue names.
FULL = os.environ.get("CM_PROOF_FULL", "") not in ("", "0", "false", "no")


def proof_size(ci: int, full: int) -> int:
    """``full`` under ``CM_PROOF_FULL=1``, else the CI size ``ci``."""
    return full if FULL else ci


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under ``tests/proof`` with ``proof``."""
    for item in items:
        if "tests/proof/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.proof)
