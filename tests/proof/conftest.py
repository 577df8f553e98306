"""Fixtures for the proof suites (issue 7): reliability (R1, R2), attacks (R3), access (R4),
secrets (R5) and the OpenAPI contract (R6).

Every suite runs in CI at a size that fits the time; ``CM_PROOF_FULL=1`` (``make proof``) runs
the sizes the issue names, and then pytest-timeout's suite-wide 300 s no longer fits: a proof
at full size gets :data:`FULL_TIMEOUT` unless it declares a timeout computed from its own size
(``pytest.mark.timeout(proof_timeout(...))``).

The end-to-end fixtures (sandbox, service, tenants) are shared with ``tests/e2e`` so a proof
drives the product exactly as the end-to-end tests do.
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


#: pytest-timeout's limit for a proof at full size that declares none: the longest full-size
#: run measured took a few minutes; a shared machine can make that several times longer.
FULL_TIMEOUT = 1800.0
#: What a full-size proof with its own deadline may take beyond that deadline: the set-up
#: (sandbox, service, tenant) before it and the checks after it, on a shared machine.
FULL_MARGIN = 900.0


def proof_timeout(deadline: float) -> float:
    """pytest-timeout's limit for a proof that waits up to ``deadline`` seconds at full size
    (its own wait, so the suite-wide limit must not cut it short); the project's 300 s at CI
    size."""
    return deadline + FULL_MARGIN if FULL else 300.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under ``tests/proof`` with ``proof``; at full size, give those without a
    timeout of their own :data:`FULL_TIMEOUT` instead of the suite-wide 300 s."""
    for item in items:
        if "tests/proof/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.proof)
            if FULL and item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(FULL_TIMEOUT))
