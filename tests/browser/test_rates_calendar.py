"""The rates page shows our calendar for any month: values set 60 days ahead (the injected
clock's today), with a mark per connection: delivered, failed (a link to the push) and
queued. At desktop and at phone width, where only the calendar scrolls sideways.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.calendar import CalendarChangeInput
from channel_manager.domain.errors import PermanentChannelError
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_rates_push_follow import _deliver, _mapped_connection, _sign_in

pytestmark = pytest.mark.browser

HARBOUR = "Booking.com · Harbour View Hotel"


@pytest.mark.parametrize(("width", "height"), [(1280, 860), (390, 844)])
def test_a_month_of_our_calendar_with_its_delivery_marks(
    live_server: LiveServer, page: Page, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    world = live_server.world
    connection_id = _mapped_connection(live_server)
    (plan,) = world.container.inventory().list_rate_plans(world.organization_id, world.property_id)
    calendar = world.container.calendar()
    night = world.container.clock().now().date() + timedelta(days=60)

    def change(first: int, last: int, **values: Any) -> None:
        calendar.change(
            world.organization_id,
            [
                CalendarChangeInput(
                    unit_id=world.double_unit_id,
                    rate_plan_id=plan.id,
                    start=night + timedelta(days=first),
                    end=night + timedelta(days=last),
                    **values,
                )
            ],
        )

    change(0, 1, rate="135.00", min_stay=2)
    _deliver(live_server)
    world.channel.fail_next(
        GatewayOperation.PUSH_RATES, PermanentChannelError("400", "rate plan closed")
    )
    change(2, 2, rate="99.00")
    _deliver(live_server)
    change(3, 3, rate="120.00", closed_to_arrival=True)  # not sent yet

    _sign_in(live_server, page)
    page.goto(f"{live_server.base_url}/rates?connection_id={connection_id}")
    grid = page.get_by_role("region", name="Calendar, scrolls sideways")
    expect(grid.locator("td").first).to_be_visible()
    page.get_by_label("Month", exact=True).select_option(f"{night:%Y-%m}")
    page.get_by_role("button", name="Show month").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(f"{night:%Y-%m}-01")

    rates = page.locator("table.calendar tr.plan-row")
    delivered = rates.locator(f"td[data-night='{night}']")
    expect(delivered).to_contain_text("135.00")
    expect(delivered).to_contain_text("≥2")
    expect(delivered.get_by_role("img", name=f"{HARBOUR}: delivered")).to_be_visible()
    failed = rates.locator(f"td[data-night='{night + timedelta(days=2)}']")
    expect(failed).to_contain_text("99.00")
    expect(failed).to_have_class(re.compile(r"\bnot-sent\b"))
    queued = rates.locator(f"td[data-night='{night + timedelta(days=3)}']")
    expect(queued).to_contain_text("120.00")
    expect(queued).to_have_class(re.compile(r"\bqueued\b"))
    expect(queued.get_by_role("img", name=f"{HARBOUR}: queued")).to_be_visible()
    failed_mark = failed.get_by_role("link", name=f"{HARBOUR}: failed")
    failed_mark.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"rates-calendar-month-{width}")

    # The next month and back, by the pager.
    page.get_by_role("navigation", name="Months").get_by_role("link", name="→").click()
    after = (night.replace(day=1) + timedelta(days=32)).replace(day=1)
    expect(page.locator("table.calendar thead th").nth(1)).to_contain_text(f"{after:%d %b}")
    page.get_by_role("navigation", name="Months").get_by_role("link", name="←").click()
    expect(failed_mark).to_be_visible()

    failed_mark.click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr.state-failed")).to_contain_text("rate plan closed")
    screenshot(page, f"rates-calendar-failed-push-{width}")
