"""Fixtures of the channel contract suites: one harness per implementation of a capability.

Each capability fixture lists every channel adapter that offers the capability; a new channel
adds its harness to the fixtures of the capabilities it has. Booking.com's own rules have
their fixture too (``booking_like``): the Booking.com gateway, and the in-memory fake the
tests register as ``booking`` in its place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from booking_sandbox.server import SandboxServer

from .gateway_harness import (
    CatalogHarness,
    FakeHarness,
    FeedHarness,
    GatewayHarness,
    PublisherHarness,
)
from .ical_harness import IcalHarness
from .sandbox_harness import SandboxHarness

#: The implementations of every capability (both have all three).
IMPLEMENTATIONS = ["fake", "booking"]
#: Channels with a catalog and a reservation feed but nothing to publish to: iCal (the other
#: side fetches our export feed, so the ARI publisher suite does not apply to it).
FEED_IMPLEMENTATIONS = [*IMPLEMENTATIONS, "ical"]


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


async def _feed_harness(name: str) -> AsyncIterator[GatewayHarness | IcalHarness]:
    """A harness with a catalog and a feed: every implementation, iCal included."""
    if name == "ical":
        ical = IcalHarness()
        yield ical
        await ical.gateway.aclose()
        return
    async for harness in _harness(name):
        yield harness


async def _harness(name: str) -> AsyncIterator[GatewayHarness]:
    if name == "fake":
        fake = FakeHarness()
        yield fake
        await fake.gateway.aclose()
        return
    with SandboxServer(seed=11) as server:
        real = SandboxHarness(server)
        yield real
        await real.aclose()


@pytest.fixture(params=FEED_IMPLEMENTATIONS)
async def catalog_harness(request: pytest.FixtureRequest) -> AsyncIterator[CatalogHarness]:
    """A channel's catalog source, with the channel behind it."""
    async for harness in _feed_harness(request.param):
        yield harness


@pytest.fixture(params=IMPLEMENTATIONS)
async def remote_catalog_harness(request: pytest.FixtureRequest) -> AsyncIterator[CatalogHarness]:
    """A channel whose catalog is fetched from the channel and has rate plans. Not iCal: its
    catalog is the unit the connection fills (read from our own database, so no fault of the
    channel reaches it), with no rate plans."""
    async for harness in _harness(request.param):
        yield harness


@pytest.fixture(params=FEED_IMPLEMENTATIONS)
async def feed_harness(request: pytest.FixtureRequest) -> AsyncIterator[FeedHarness]:
    """A channel's reservation feed, with the channel behind it."""
    async for harness in _feed_harness(request.param):
        yield harness


@pytest.fixture(params=FEED_IMPLEMENTATIONS)
async def acknowledging_harness(request: pytest.FixtureRequest) -> AsyncIterator[FeedHarness]:
    """A channel whose reservation feed repeats messages until acknowledged (a feed that
    does not acknowledge is not listed here; the feed suite covers it). iCal is listed: its
    baseline advances only when the poll acknowledges after its commit."""
    async for harness in _feed_harness(request.param):
        assert harness.feed.acknowledges
        yield harness


@pytest.fixture(params=IMPLEMENTATIONS)
async def publisher_harness(request: pytest.FixtureRequest) -> AsyncIterator[PublisherHarness]:
    """A channel's ARI publisher, with the channel behind it."""
    async for harness in _harness(request.param):
        yield harness


@pytest.fixture(params=IMPLEMENTATIONS)
async def booking_like(request: pytest.FixtureRequest) -> AsyncIterator[GatewayHarness]:
    """Booking.com's gateway against the sandbox, and the in-memory fake that stands in for
    it in every other test (so it must keep Booking.com's rules too)."""
    async for harness in _harness(request.param):
        yield harness
