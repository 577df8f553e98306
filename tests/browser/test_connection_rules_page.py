"""The "Channel rules" page in Chromium: from the Booking.com card to the page, a markup, a
cap and stop-sell saved, a refused value shown next to the form; screenshots at desktop and
phone width for a person to look at."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from channel_manager.application.calendar import CalendarChangeInput
from channel_manager.application.connection_rules import RulesInput
from channel_manager.domain.pricing import PriceModifier
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_rates_push_follow import _mapped_connection
from tests.unit.web.world import connect

pytestmark = pytest.mark.browser


def _sign_in(live_server: LiveServer, page: Page) -> None:
    world = live_server.world
    page.goto(world.container.signin_links().issue(world.organization_id).url(live_server.base_url))
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))


def test_rules_are_set_from_the_card(live_server: LiveServer, page: Page) -> None:
    world = live_server.world
    # Playwright's loop runs in this thread: the OAuth flow (asyncio.run) runs in another.
    with ThreadPoolExecutor(1) as pool:
        connection_id = pool.submit(connect, world).result()
    _sign_in(live_server, page)
    screenshot(page, "integrations-channel-rules-link")
    page.get_by_role("link", name="Channel rules").click()
    expect(page).to_have_url(re.compile(rf"/connections/{connection_id}/rules$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Channel rules")

    page.get_by_label(re.compile("A percentage")).check()
    page.get_by_label("Modifier").fill("lots")
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("not a number")
    expect(page.get_by_label("Modifier")).to_have_value("lots")
    screenshot(page, "connection-rules-refused")

    page.get_by_label("Modifier").fill("15")
    page.get_by_label(re.compile("Availability cap")).fill("3")
    page.get_by_test_id("stop-sell").check()
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_text("Rules saved.")).to_be_visible()
    expect(page.get_by_label("Modifier")).to_have_value("15")
    expect(page.get_by_test_id("stop-sell")).to_be_checked()
    screenshot(page, "connection-rules")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "connection-rules-phone")
    rules = world.container.connection_rules().show(world.organization_id, connection_id)
    assert (rules.availability_cap, rules.stop_sell) == (3, True)


def test_the_rates_grid_shows_what_the_channel_receives(
    live_server: LiveServer, page: Page
) -> None:
    world = live_server.world
    connection_id = _mapped_connection(live_server)
    (plan,) = world.container.inventory().list_rate_plans(world.organization_id, world.property_id)
    night = world.container.clock().now().date() + timedelta(days=20)
    world.container.connection_rules().change(
        world.organization_id,
        connection_id,
        RulesInput(price_modifier=PriceModifier.of_percent("15"), availability_cap=2),
    )
    world.container.calendar().change(
        world.organization_id,
        [
            CalendarChangeInput(
                unit_id=world.double_unit_id,
                rate_plan_id=plan.id,
                start=night,
                end=night + timedelta(days=3),
                rate="100.00",
            )
        ],
    )
    _sign_in(live_server, page)
    page.goto(f"{live_server.base_url}/rates?connection_id={connection_id}&month={night:%Y-%m}")
    rate = page.locator("table.calendar tr.plan-row").locator(f"td[data-night='{night}']")
    expect(rate).to_contain_text("100.00")
    expect(rate.locator("[data-receives]")).to_have_text("→ 115.00")
    screenshot(page, "rates-channel-rules")
