"""Fixtures for the sandbox suite: a real sandbox server on a loopback port per test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from booking_sandbox.faults import FaultInjector
from booking_sandbox.server import SandboxServer
from booking_sandbox.state import SandboxState

from .helpers import bearer_for


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """The sandbox (seed 1) over real HTTP on a free loopback port."""
    with SandboxServer(seed=1) as running:
        yield running


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    """An httpx client pointed at `server`."""
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


@pytest.fixture
def state(server: SandboxServer) -> SandboxState:
    """The state behind `server`."""
    return server.state


@pytest.fixture
def faults(server: SandboxServer) -> FaultInjector:
    """The fault injector of `server`."""
    return server.faults


@pytest.fixture
def auth(client: httpx.Client) -> dict[str, str]:
    """Headers with a machine-account Bearer token."""
    return bearer_for(client)
