"""Issue 18 in Chromium: a Booking.com connection whose polls keep failing; the card turns red
with the reason and links to the health page, which explains each fact. Screenshots at
desktop and phone width; no page scrolls sideways."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.errors import RetryableChannelError
from tests.browser.conftest import LiveServer, screenshot
from tests.support.clock import MovableClock
from tests.unit.web.world import World, connect

pytestmark = pytest.mark.browser

WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 860},
    "phone": {"width": 390, "height": 844},
}


def _failing_connection(world: World) -> UUID:
    """Connect, then two polls refused with 503 twelve minutes apart."""
    connection_id = connect(world)
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    sync = world.container.sync()
    world.channel.fail_next(
        GatewayOperation.FETCH_RESERVATIONS,
        RetryableChannelError("HTTP 503 from Booking.com"),
        times=2,
    )
    asyncio.run(sync.poll(connection_id))
    clock.advance(timedelta(minutes=12))
    asyncio.run(sync.poll(connection_id))
    return connection_id


def _fits(page: Page, name: str) -> None:
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= viewport["width"], f"{page.url} scrolls sideways at {size} ({scroll}px)"
        screenshot(page, f"health-{name}-{size}")


def test_a_failing_connection_reads_red_on_its_card_and_health_page(
    live_server: LiveServer, page: Page
) -> None:
    world = live_server.world
    made: list[UUID] = []
    # In a thread: the set-up runs coroutines, and Playwright keeps a loop in this one.
    builder = threading.Thread(target=lambda: made.append(_failing_connection(world)))
    builder.start()
    builder.join(timeout=30)
    [connection_id] = made

    page.goto(world.container.signin_links().issue(world.organization_id).url(live_server.base_url))
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))
    line = page.get_by_test_id("card-health")
    expect(line).to_have_attribute("data-status", "red")
    expect(line).to_contain_text("see the failing polls below")  # not said twice
    alert = page.get_by_test_id("polls-failing")
    expect(alert).to_contain_text("(12 min ago): HTTP 503 from Booking.com")
    _fits(page, "card")

    line.get_by_role("link", name="Health details").click()
    expect(page).to_have_url(re.compile(rf"/connections/{connection_id}/health$"))
    expect(page.get_by_test_id("health-status")).to_have_text("red")
    expect(page.get_by_test_id("health-reasons")).to_contain_text(
        "polls failing for 12 min: HTTP 503 from Booking.com"
    )
    expect(page.locator("dd[data-fact='last-poll']")).to_contain_text("Polls failing since")
    expect(page.locator("dd[data-fact='error-rate']")).to_contain_text("2 of 2 attempts failed")
    _fits(page, "page")
