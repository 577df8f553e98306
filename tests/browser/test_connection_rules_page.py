"""The "Channel rules" page in Chromium: from the Booking.com card to the page, a markup, a
cap and stop-sell saved, a refused value shown next to the form; screenshots at desktop and
phone width for a person to look at."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot
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
    page.screenshot(path="/tmp/rules-page.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/rules-page-phone.png", full_page=True)
    rules = world.container.connection_rules().show(world.organization_id, connection_id)
    assert (rules.availability_cap, rules.stop_sell) == (3, True)
