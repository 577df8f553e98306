"""The mapping screen's script and the error pages in Chromium, at desktop and phone width."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from playwright.sync_api import Page, expect

from channel_manager.domain.channel import ExternalCatalog, ExternalProperty, ExternalRoomType
from tests.browser.conftest import LiveServer, screenshot
from tests.support.builders import booking
from tests.unit.web.world import HOTEL_CODE, connect

pytestmark = pytest.mark.browser

LOFT_CODE = "7654321"
T = TypeVar("T")


def _in_a_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's sync API keeps an event loop running
    in this one, and ``connect`` runs one of its own."""
    result: list[T] = []
    worker = threading.Thread(target=lambda: result.append(work()))
    worker.start()
    worker.join(timeout=10)
    [value] = result
    return value


def _sign_in(live: LiveServer, page: Page) -> None:
    world = live.world
    page.goto(world.container.signin_links().issue(world.organization_id).url(live.base_url))
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))


@pytest.mark.parametrize("width", [1280, 390])
def test_a_room_is_offered_its_hotels_property_units_and_the_card_links_to_it(
    live_server: LiveServer, page: Page, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 860})
    world = live_server.world
    inventory = world.container.inventory()
    loft = inventory.create_property(world.organization_id, "Canal Loft Apartments", "EUR")
    inventory.create_unit(world.organization_id, loft.id, "Loft Studio", count=2)
    world.channel.add_hotel(
        ExternalCatalog(
            property=ExternalProperty(LOFT_CODE, "Loft apartments by the canal", "EUR"),
            room_types=(ExternalRoomType("STU", "Studio", 2),),
            rate_plans=(),
        )
    )
    connection_id = _in_a_thread(lambda: connect(world))
    connection = world.container.queries().connection(world.organization_id, connection_id)
    world.container.intake().apply(connection, booking("BK-1", hotel_code=HOTEL_CODE, room="DBL"))
    _sign_in(live_server, page)

    page.get_by_role("link", name=re.compile("map their rooms")).click()
    expect(page).to_have_url(re.compile(r"/mapping#to-map$"))
    expect(page.get_by_role("navigation", name="Still to map")).to_be_visible()
    screenshot(page, f"30-mapping-{width}")
    double = page.get_by_label("Unit for Double Room", exact=True)
    expect(double.locator("option")).to_have_text(
        ["— leave unmapped —", "Double Room (4 rooms)", "+ Create a new unit"]
    )
    # "Rooms in a new unit" only while some room creates one.
    count = page.get_by_label("Rooms of a new unit for Double Room")
    expect(count).to_be_hidden()

    page.get_by_label("Your property").first.select_option(label="Canal Loft Apartments")

    expect(double.locator("option")).to_have_text(
        ["— leave unmapped —", "Loft Studio (2 rooms)", "+ Create a new unit"]
    )
    expect(double).to_have_value("")
    double.select_option(label="+ Create a new unit")
    expect(count).to_be_visible()
    expect(count).to_be_enabled()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="Studio", exact=True).click()
    expect(page).to_have_url(re.compile(rf"#map-{LOFT_CODE}-STU$"))


@pytest.mark.parametrize("width", [1280, 390])
def test_error_and_result_pages_are_in_the_layout(
    live_server: LiveServer, page: Page, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 860})
    _sign_in(live_server, page)

    missing = page.goto(f"{live_server.base_url}/no/such/page")
    assert missing is not None
    assert missing.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to integrations")).to_be_visible()
    screenshot(page, f"31-not-found-{width}")

    page.goto(
        f"{live_server.base_url}/integrations/booking/result"
        "?status=error&code=invalid_property_id&reason=Call+0900+now"
    )
    expect(page.get_by_test_id("connect-result")).to_contain_text("digits only")
    expect(page.get_by_test_id("connect-result")).not_to_contain_text("0900")
    screenshot(page, f"32-result-error-{width}")

    page.goto(f"{live_server.base_url}/integrations")
    page.get_by_label("Connectivity request from the Extranet", exact=False).check()
    page.get_by_role("button", name="Connect").click()
    expect(page).to_have_url(re.compile(r"code=invalid_property_id"))
    expect(page.get_by_test_id("connect-result")).to_contain_text("Booking.com property id")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
