"""Fixtures for the end-to-end suite: the sandbox, a migrated SQLite file, our running service
and API clients for one or more organisations.

A test module changes the service's settings by overriding ``service_settings_extra``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade

from .flows import Tenant, make_tenant
from .harness import RunningService, free_socket, running_service, service_environ


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The Booking.com sandbox (seed 1: hotels 1000001-1000004, the first two connected)."""
    with SandboxServer(seed=1) as running:
        yield running


@pytest.fixture
def sandbox_http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A plain client for the sandbox (admin endpoints, its pages)."""
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("e2e-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated_sqlite_template: Path, tmp_path: Path) -> str:
    """A private, migrated SQLite file for this test's service."""
    path = tmp_path / "channel-manager.db"
    shutil.copyfile(migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def service_settings_extra() -> Mapping[str, str]:
    """Extra ``CM_*`` settings for the service (override per module)."""
    return {}


@pytest.fixture
def service(
    sandbox: SandboxServer, database_url: str, service_settings_extra: Mapping[str, str]
) -> Iterator[RunningService]:
    """Our API server on a free loopback port, with a worker driven by ``service.tick()``."""
    sock = free_socket()
    public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environ = service_environ(sandbox.base_url, public_url, database_url, service_settings_extra)
    with running_service(environ, sock) as running:
        yield running


@pytest.fixture
def tenant_factory(service: RunningService) -> Iterator[Callable[[str], Tenant]]:
    """Makes an organisation with an API key and a Bearer client for it."""
    made: list[Tenant] = []

    def make(name: str) -> Tenant:
        tenant = make_tenant(service, name)
        made.append(tenant)
        return tenant

    yield make
    for tenant in made:
        tenant.api.close()


@pytest.fixture
def tenant(tenant_factory: Callable[[str], Tenant]) -> Tenant:
    """The organisation most tests act as."""
    return tenant_factory("Harbour Hotels")
