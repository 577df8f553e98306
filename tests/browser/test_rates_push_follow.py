"""After "Push to Booking.com" the rates page follows the pushes to their outcome by itself:
the pushes it lists and the grid cells they carry values for (and their per connection marks)
change as the worker delivers them (or Booking.com refuses them), without a reload; a failed
mark links to the push. At desktop and at phone width.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.domain.errors import PermanentChannelError
from tests.browser.conftest import LiveServer, screenshot
from tests.support.clock import MovableClock
from tests.unit.web.world import HOTEL_CODE, connect, deliver_all

pytestmark = pytest.mark.browser

T = TypeVar("T")


def _off_the_page_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's sync API keeps an event loop
    running in this one, so nothing here may ``asyncio.run``."""
    results: list[T] = []
    worker = threading.Thread(target=lambda: results.append(work()))
    worker.start()
    worker.join(timeout=15)
    assert results, "the work did not finish"
    return results[0]


def _run(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return _off_the_page_thread(lambda: asyncio.run(coroutine()))


def _mapped_connection(live: LiveServer) -> UUID:
    world = live.world
    connection_id = _off_the_page_thread(lambda: connect(world))
    (plan,) = world.container.inventory().list_rate_plans(world.organization_id, world.property_id)
    mapping = MappingsInput(
        hotels=(
            HotelMappingInput(
                external_property_id=HOTEL_CODE,
                internal_property_id=world.property_id,
                units=(
                    UnitMappingInput(
                        external_room_type_id="DBL", internal_unit_id=world.double_unit_id
                    ),
                ),
                rate_plans=(
                    RatePlanMappingInput(
                        external_rate_plan_id="STD", internal_rate_plan_id=plan.id
                    ),
                ),
            ),
        )
    )
    _run(lambda: world.container.mappings().save(world.organization_id, connection_id, mapping))
    _run(lambda: deliver_all(world, "browser"))  # the calendar the mapping sent
    return connection_id


def _deliver(live: LiveServer) -> None:
    _run(lambda: live.world.container.dispatcher().dispatch_due("browser"))


def _sign_in(live: LiveServer, page: Page) -> None:
    link = live.world.container.signin_links().issue(live.world.organization_id)
    page.goto(link.url(live.base_url))
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize(("width", "height"), [(1280, 860), (390, 844)])
def test_the_rates_page_follows_a_push_until_booking_com_answers(
    live_server: LiveServer, page: Page, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    connection_id = _mapped_connection(live_server)
    _sign_in(live_server, page)
    page.goto(f"{live_server.base_url}/rates?connection_id={connection_id}")
    expect(page.locator("#f-rate-rule")).to_have_text("EUR: up to 2 decimals")

    page.get_by_label("Rate plan", exact=True).select_option("STD")
    page.get_by_label("Rate per night (EUR)").fill("1234.5")
    page.get_by_label("Rooms to sell").fill("2")
    page.get_by_role("button", name="Push to Booking.com").click()

    tracker = page.get_by_test_id("push-tracker")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Sending: 0 of")
    expect(tracker.get_by_text("Updates by itself")).to_be_visible()
    queued = page.locator("table.calendar td.queued")
    # Our calendar keeps rooms to sell per unit (its row) and the rate per rate plan (its row).
    expect(page.locator("table.calendar tr.room-row td.queued").first).to_contain_text("2")
    rate_cells = page.locator("table.calendar tr.plan-row td.queued")
    expect(rate_cells.first).to_contain_text("1,234.50")
    expect(rate_cells.first.locator("[data-mark]")).to_have_attribute(
        "aria-label", "Booking.com · Harbour View Hotel: queued"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"rates-push-sending-{width}")

    _deliver(live_server)
    expect(status).to_contain_text("delivered: Booking.com confirmed the new values")
    expect(queued).to_have_count(0)
    delivered = page.locator("table.calendar tr.plan-row td", has_text="1,234.50").first
    expect(delivered.locator("[data-mark]")).to_have_attribute(
        "aria-label", "Booking.com · Harbour View Hotel: delivered"
    )
    expect(tracker.locator(".push-delivered").first).to_be_visible()
    expect(tracker.locator(".push-pending")).to_have_count(0)
    expect(tracker.get_by_text("Updates by itself")).to_be_hidden()
    screenshot(page, f"rates-push-delivered-{width}")

    clock = live_server.world.container.clock()
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(minutes=1))  # a later push: the grid shows its values
    live_server.world.channel.fail_next(
        GatewayOperation.PUSH_RATES, PermanentChannelError("400", "rate plan closed")
    )
    page.get_by_label("Rate plan", exact=True).select_option("STD")
    page.get_by_label("Rate per night (EUR)").fill("99")
    page.get_by_role("button", name="Push to Booking.com").click()
    expect(status).to_contain_text("Sending")
    _deliver(live_server)
    expect(status).to_contain_text("failed: Booking.com did not take these values")
    expect(tracker.locator(".push-failed").first).to_be_visible()
    expect(tracker).to_contain_text("rate plan closed")
    not_sent = page.locator("table.calendar td.not-sent")
    expect(not_sent.first).to_have_attribute("title", "Not sent: 400: rate plan closed")
    expect(not_sent.first).to_contain_text("99.00")  # the value that was not sent
    failed = not_sent.first.get_by_role("link", name="Booking.com · Harbour View Hotel: failed")
    expect(failed).to_have_attribute("href", re.compile(r"^/pushes\?connection_id=.+&push="))
    expect(tracker.locator("[data-tracker-not-sent]")).to_contain_text("mark opens the push")
    screenshot(page, f"rates-push-failed-{width}")
    failed.click()  # the push history, filtered to the push that failed
    expect(page.locator("tbody tr.state-failed")).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("rate plan closed")
