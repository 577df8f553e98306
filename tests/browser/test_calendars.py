"""Issue 16 in Chromium: a property manager adds an Airbnb calendar to a unit through the
Integrations page, copies our export URL, and finds the calendar's card; the form refuses a
link that is not a web address and keeps what was typed. Screenshots at desktop and phone
width; no page scrolls sideways.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn
from playwright.sync_api import Dialog, Page, ViewportSize, expect

from channel_manager.domain.reservation import ReservationKind
from tests.browser.conftest import screenshot
from tests.support.clock import next_year
from tests.support.containers import make_settings
from tests.support.feed_world import FEED_CHANNEL
from tests.support.network import free_port
from tests.unit.web.feed_world import FeedWorld, build_feed_world, feed_app

pytestmark = pytest.mark.browser

IMPORT_URL = "https://www.airbnb.com/calendar/ical/41234567.ics?s=9f0c2b7e5d1a4c3b8e6f"
SECRET_PART = "9f0c2b7e5d1a4c3b8e6f"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
WIDTHS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 860},
    "phone": {"width": 390, "height": 844},
}


class Served:
    """The calendar world served over HTTP."""

    def __init__(self, feeds: FeedWorld, base_url: str) -> None:
        self.feeds = feeds
        self.base_url = base_url


@pytest.fixture
def served() -> Iterator[Served]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    feeds = build_feed_world(make_settings({"CM_PUBLIC_URL": base_url}))
    server = uvicorn.Server(
        uvicorn.Config(feed_app(feeds), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="web-ui-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the web UI server did not start")
        threading.Event().wait(0.05)
    yield Served(feeds, base_url)
    server.should_exit = True
    thread.join(timeout=10)


def _sign_in(served: Served, page: Page) -> None:
    world = served.feeds.world
    page.goto(world.container.signin_links().issue(world.organization_id).url(served.base_url))
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))


def _fits(page: Page, name: str, size: str) -> None:
    """No sideways scroll at this width, no raw id in what the page says (links and fields
    may carry them), and a full-page screenshot for a person to look at."""
    width = WIDTHS[size]["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px)"
    shown = page.locator("main").inner_text()
    found = _UUID.search(shown)
    assert found is None, f"{page.url} shows a raw id: ...{shown[max(0, found.start() - 60) :]}"
    screenshot(page, f"40-calendars-{name}-{size}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_adding_an_airbnb_calendar_to_a_unit(served: Served, page: Page, size: str) -> None:
    page.set_viewport_size(WIDTHS[size])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base_url)
    _sign_in(served, page)

    page.get_by_role("link", name="Add a calendar").click()
    expect(page).to_have_url(re.compile(r"/integrations/calendars/new$"))
    expect(
        page.get_by_text("Airbnb: Calendar → Availability → Connect to another website")
    ).to_be_visible()
    page.get_by_label("Unit").select_option(label="Loft")
    page.get_by_label("Name").fill("Sea View Loft on Airbnb")
    # A link that is not a web address: refused by the browser's own check (type=url) first.
    link = page.get_by_label("The other side's calendar link (iCal)")
    link.fill("not a link")
    page.get_by_role("button", name="Add the calendar").click()
    expect(page).to_have_url(re.compile(r"/integrations/calendars/new$"))
    assert link.evaluate("field => field.validity.typeMismatch")
    _fits(page, "form", size)
    # A web address the service refuses (it names no host): the form comes back with the
    # reason and what was typed.
    link.fill("https:///calendar/ical/1.ics")
    page.get_by_role("button", name="Add the calendar").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("calendar")
    expect(link).to_have_value("https:///calendar/ical/1.ics")
    expect(page.get_by_label("Name")).to_have_value("Sea View Loft on Airbnb")
    expect(page.get_by_label("Unit")).to_have_value(str(served.feeds.loft_id))
    _fits(page, "form-refused", size)

    link.fill(IMPORT_URL)
    page.get_by_role("button", name="Add the calendar").click()

    expect(page).to_have_url(re.compile(r"/integrations/calendars/[0-9a-f-]{36}\?added=1$"))
    expect(page.get_by_test_id("calendar-added")).to_be_visible()
    expect(
        page.get_by_text("Paste this into Airbnb/Vrbo so they see your other bookings.")
    ).to_be_visible()
    export = page.get_by_test_id("export-url")
    expect(export).to_have_value(
        re.compile(rf"^{re.escape(served.base_url)}/ical/[A-Za-z0-9_-]+\.ics$")
    )
    export_url = export.input_value()
    page.get_by_test_id("copy-export").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == export_url
    assert SECRET_PART not in page.content()
    _fits(page, "export", size)

    page.get_by_role("link", name="Back to the calendar's card").click()
    card = page.get_by_test_id("calendar-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_have_text("Sea View Loft on Airbnb")
    expect(card).to_contain_text("Loft (Sea View Apartments)")
    expect(card.get_by_test_id("masked-url")).to_have_text("https://www.airbnb.com/…")
    expect(card.get_by_test_id("export-url")).to_have_value(export_url)
    expect(card.get_by_role("button", name="Sync now")).to_be_visible()
    expect(card.get_by_role("button", name="Rotate export URL")).to_be_visible()
    expect(card.get_by_role("button", name="Copy export URL")).to_be_visible()
    assert SECRET_PART not in page.content()
    _fits(page, "integrations", size)

    # Rotating asks first (the old link stops working), then shows the new link.
    questions: list[str] = []

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    card.get_by_role("button", name="Rotate export URL").click()
    expect(page).to_have_url(re.compile(r"/integrations/calendars/[0-9a-f-]{36}$"))
    assert "paste the new one into Airbnb" in questions[0]
    expect(page.get_by_role("status").first).to_contain_text("the old one no longer works")
    expect(page.get_by_test_id("export-url")).not_to_have_value(export_url)
    _fits(page, "rotated", size)


def test_a_calendar_in_trouble_and_an_overbooking(served: Served, page: Page) -> None:
    feeds = served.feeds
    airbnb = feeds.world.container.feeds().connect(
        feeds.org,
        channel=FEED_CHANNEL,
        name="Sea View Loft on Airbnb",
        unit_id=feeds.loft_id,
        import_url=IMPORT_URL,
    )
    vrbo = feeds.world.container.feeds().connect(
        feeds.org,
        channel=FEED_CHANNEL,
        name="Loft on Vrbo",
        unit_id=feeds.loft_id,
        import_url="https://www.vrbo.com/icalendar/0a1b2c3d.ics",
    )
    now = feeds.now()
    feeds.update_feed(
        airbnb.connection.id,
        last_fetch_at=now - timedelta(minutes=4),
        last_success_at=now - timedelta(hours=3),
        last_error="HTTP 503 from www.airbnb.com (after 3 tries)",
        stays=6,
        blocks=2,
        problems=(
            "an event without DTEND was skipped (UID 8f1c@airbnb.com)",
            "a recurring event was expanded to 12 nights",
        ),
        suspect_since=now - timedelta(minutes=4),
        suspect_reason="the feed came back empty (it had 8 events)",
    )
    arrival = next_year(8, 10)
    feeds.apply(airbnb.connection.id, "HMAAAA1111", arrival, nights=3)
    feeds.apply(vrbo.connection.id, "Reserved - Jane", arrival + timedelta(days=1), nights=2)
    feeds.apply(
        vrbo.connection.id, "owner-block", next_year(9, 1), nights=2, kind=ReservationKind.BLOCK
    )
    _sign_in(served, page)

    for size in ("desktop", "phone"):
        page.set_viewport_size(WIDTHS[size])
        page.goto(f"{served.base_url}/integrations")
        card = page.get_by_test_id("calendar-card").filter(has_text="Sea View Loft on Airbnb")
        expect(card.get_by_test_id("calendar-error")).to_contain_text("HTTP 503")
        expect(card.get_by_test_id("calendar-suspect")).to_contain_text(
            "so it is held and nothing was cancelled"
        )
        card.locator("summary").click()
        expect(card.get_by_text("a recurring event was expanded to 12 nights")).to_be_visible()
        expect(card.get_by_test_id("calendar-overbookings")).to_have_text(
            "1 overbooking on this unit"
        )
        _fits(page, "trouble", size)

        page.goto(f"{served.base_url}/overbookings")
        alert = page.get_by_test_id("overbooking")
        expect(alert).to_have_count(1)
        expect(alert).to_contain_text("2 booked, 1 room")
        expect(alert.get_by_role("link")).to_have_count(2)
        _fits(page, "overbookings", size)

        page.goto(f"{served.base_url}/reservations")
        block = page.locator("tr", has_text="owner-block")
        expect(block.locator("td[data-label='Guest']")).to_have_text("Block")
        expect(block.locator("td[data-label='Channel']")).to_have_text("iCal · Loft on Vrbo")
        _fits(page, "reservations", size)

    page.goto(f"{served.base_url}/overbookings")
    page.get_by_test_id("overbooking").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/reservations/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("channel")).to_have_text("iCal · Sea View Loft on Airbnb")
    for size in ("desktop", "phone"):
        page.set_viewport_size(WIDTHS[size])
        page.goto(f"{served.base_url}/reservations")
        page.get_by_role("link", name="owner-block").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Block owner-block")
        expect(page.get_by_test_id("block-note")).to_be_visible()
        _fits(page, "block", size)
