"""Fixtures of the channel gateway contract suite: one ``harness`` per implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from gateway_harness import FakeHarness, GatewayHarness
from sandbox_harness import SandboxHarness

from booking_sandbox.server import SandboxServer


@pytest.fixture
def sandbox_server() -> Iterator[SandboxServer]:
    """A fresh sandbox on a free loopback port."""
    with SandboxServer(seed=11) as server:
        yield server


@pytest.fixture
async def booking() -> AsyncIterator[SandboxHarness]:
    """The real gateway against a fresh sandbox on a free loopback port (fresh state, token
    budget and faults for every test)."""
    with SandboxServer(seed=11) as server:
        harness = SandboxHarness(server)
        yield harness
        await harness.aclose()


@pytest.fixture(params=["fake", "booking"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[GatewayHarness]:
    """The gateway under test with the channel behind it."""
    if request.param == "fake":
        fake = FakeHarness()
        yield fake
        await fake.gateway.aclose()
        return
    with SandboxServer(seed=11) as server:
        real = SandboxHarness(server)
        yield real
        await real.aclose()
