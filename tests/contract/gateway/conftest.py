"""Fixtures of the channel gateway contract suite: one ``harness`` per implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from gateway_harness import FakeHarness, GatewayHarness


@pytest.fixture(params=["fake"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[GatewayHarness]:
    """The gateway under test with the channel behind it."""
    if request.param == "fake":
        fake = FakeHarness()
        yield fake
        await fake.gateway.aclose()
