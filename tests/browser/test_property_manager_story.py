"""The property manager's story clicked through in Chromium: sign in, connect Booking.com,
map rooms, sync and see a reservation arrive, push a rate and see it confirmed, see a failed
push and retry it. Screenshots of every page land in ``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.errors import PermanentChannelError
from tests.browser.conftest import LiveServer, screenshot
from tests.support.builders import booking
from tests.unit.web.world import HOTEL_CODE, deliver_all

pytestmark = pytest.mark.browser


def _approve_on_channel_page(live: LiveServer, page: Page) -> None:
    """Play Booking.com's authorisation page: an Approve link back to our callback."""
    authorizer = live.world.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(authorizer, FakeOAuth2Authorizer)

    def channel_page(route: Route) -> None:
        params = authorizer.approve(route.request.url)
        redirect = parse_qs(urlsplit(route.request.url).query)["redirect_uri"][0]
        back = f"{redirect}?code={params['code']}&state={params['state']}"
        route.fulfill(
            status=200,
            content_type="text/html",
            body=f'<h1>Booking.com</h1><a href="{back}">Approve</a>',
        )

    page.route("https://fake-channel.invalid/**", channel_page)


def _deliver_pushes(live: LiveServer) -> None:
    """What the worker does every few seconds: send every due push.

    In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    """
    worker = threading.Thread(target=asyncio.run, args=(deliver_all(live.world, "browser"),))
    worker.start()
    worker.join(timeout=10)


def test_the_whole_story(live_server: LiveServer, page: Page) -> None:
    base = live_server.base_url
    _approve_on_channel_page(live_server, page)

    page.goto(f"{base}/integrations")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    screenshot(page, "01-signin")
    page.get_by_label("API key").fill(live_server.world.api_key)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("booking-card").first).to_contain_text("not connected")
    screenshot(page, "02-integrations-not-connected")
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("link", name="Approve").click()
    expect(page.get_by_test_id("connect-result")).to_contain_text("Booking.com is connected")
    screenshot(page, "03-connect-result")

    page.get_by_role("link", name="Map rooms now").click()
    double = page.get_by_label("Unit for Double Room", exact=True)
    expect(double).to_have_value(str(live_server.world.double_unit_id))  # suggested
    screenshot(page, "04-mapping-suggested")
    page.get_by_label("Unit for Junior Suite", exact=True).select_option(
        label="+ Create a new unit"
    )
    page.get_by_label("Rate plan for Standard Rate").select_option(label="Standard Rate (STD)")
    sync = page.get_by_label("Sync this hotel", exact=False)
    expect(sync).not_to_be_checked()  # never ticked for a person
    sync.check()
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_role("status")).to_contain_text("Mapping saved")
    screenshot(page, "05-mapping-saved")

    # A month ahead: inside the year the mapping queued, so its availability update merges
    # into that year's pending message of its month (on every day of the date sweep).
    arrival = live_server.world.container.clock().now().date() + timedelta(days=30)
    live_server.world.channel.enqueue(
        booking("BK-4711", hotel_code=HOTEL_CODE, room="DBL", arrival=arrival)
    )
    page.get_by_role("link", name="Sync", exact=True).click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("live-run")).to_contain_text("succeeded", timeout=15_000)
    screenshot(page, "06-sync")

    page.get_by_role("link", name="Reservations", exact=True).click()
    page.get_by_role("link", name="BK-4711").click()
    expect(page.get_by_role("heading", name=re.compile("Reservation BK-4711"))).to_be_visible()
    expect(page.get_by_text("Zoë Søren").first).to_be_visible()
    screenshot(page, "07-reservation")

    _deliver_pushes(live_server)  # the worker sends the year the mapping queued
    page.get_by_role("link", name="Rates & availability").click()
    # The form's default range is the week from today: one push per message type and
    # calendar month, so a week that crosses a month end (the last days of any month) is two.
    today = live_server.world.container.clock().now().date()
    months = len({(today + timedelta(days=day)).month for day in range(7)})
    # Saving the mapping sent the mapped rooms' whole year: one request per calendar month.
    year = len({(today + timedelta(days=day)).replace(day=1) for day in range(365)})
    page.get_by_label("Rate plan", exact=True).select_option("STD")
    page.get_by_label("Rate per night (EUR)").fill("135.00")
    page.get_by_label("Rooms to sell").fill("3")
    page.get_by_role("button", name="Preview messages").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("OTA_HotelRateAmountNotifRQ")
    expect(preview).to_contain_text("135.00 EUR")
    screenshot(page, "08-rates-preview")
    page.get_by_role("button", name="Push to Booking.com").click()
    # Back on the grid, which follows the pushes until Booking.com has answered.
    tracker = page.get_by_test_id("push-tracker")
    expect(page.get_by_role("status")).to_contain_text(f"Queued {2 * months} push(es)")
    expect(tracker).to_contain_text("Sending")
    expect(page.locator("table.calendar td.queued").first).to_be_visible()

    _deliver_pushes(live_server)
    # No reload: the page polls the pushes' states and updates itself.
    expect(tracker).to_contain_text(f"All {2 * months} delivered")
    expect(page.locator("table.calendar td.queued")).to_have_count(0)
    expect(page.locator("table.calendar")).to_contain_text("135.00")
    screenshot(page, "09b-rates-grid-after-push")
    tracker.get_by_role("link", name="See all pushes").click()
    # Two per month from the form and the year of availability the mapping sent; the update
    # the imported reservation caused was merged into its month's message, still unsent then
    # (coalescing, issue 18).
    expect(page.locator("tbody tr .push-delivered")).to_have_count(2 * months + year)
    screenshot(page, "09-push-history-delivered")

    live_server.world.channel.fail_next(
        GatewayOperation.PUSH_RATES, PermanentChannelError("400", "rate plan closed")
    )
    page.get_by_role("link", name="Rates & availability").click()
    page.get_by_label("Rate plan", exact=True).select_option("STD")
    page.get_by_label("Rate per night (EUR)").fill("99.00")
    page.get_by_role("button", name="Push to Booking.com").click()
    expect(page.get_by_role("status")).to_contain_text("Queued")
    _deliver_pushes(live_server)
    expect(tracker).to_contain_text("rate plan closed")
    expect(page.get_by_role("status")).to_contain_text(f"1 of {months} failed")
    expect(page.locator("table.calendar td.not-sent").first).to_be_visible()
    tracker.get_by_role("link", name="See all pushes").click()
    failed = page.locator("tr.state-failed")
    expect(failed).to_contain_text("rate plan closed")
    screenshot(page, "10-push-failed")
    failed.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("queued again")
    _deliver_pushes(live_server)
    page.reload()
    expect(page.locator("tr.state-failed")).to_have_count(0)
    expect(page.locator("tbody tr .push-delivered")).to_have_count(3 * months + year)

    page.get_by_role("link", name="Message log").click()
    screenshot(page, "11-message-log")
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_test_id("booking-card").first).to_contain_text("active")
    screenshot(page, "12-integrations-active")


def test_phone_width_and_keyboard(live_server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    world = live_server.world
    link = world.container.signin_links().issue(world.organization_id)
    page.goto(link.url(live_server.base_url))
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    screenshot(page, "20-phone-integrations")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="channel-manager")).to_be_focused()
