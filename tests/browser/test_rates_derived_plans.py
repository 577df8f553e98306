"""A derived plan made on the rates page: added with the small form, its row names its parent
and modifier, its rate cells are read-only and follow the parent, and its modifier is changed
in place. At desktop and at phone width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from channel_manager.application.calendar import CalendarChangeInput
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_rates_push_follow import _mapped_connection, _sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1280, 860), (390, 844)])
def test_a_derived_plan_is_added_and_edited_on_the_rates_page(
    live_server: LiveServer, page: Page, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    world = live_server.world
    connection_id = _mapped_connection(live_server)
    (plan,) = world.container.inventory().list_rate_plans(world.organization_id, world.property_id)
    today = world.container.clock().now().date()
    world.container.calendar().change(
        world.organization_id,
        [
            CalendarChangeInput(
                unit_id=world.double_unit_id,
                rate_plan_id=plan.id,
                start=today,
                end=today + timedelta(days=3),
                rate="120.00",
            )
        ],
    )
    _sign_in(live_server, page)
    page.goto(f"{live_server.base_url}/rates?connection_id={connection_id}")

    add = page.get_by_role("form", name="Add a derived rate plan")
    add.get_by_label("New plan").fill("Non-refundable")
    add.get_by_label("Value").fill("-10")
    add.get_by_role("button", name="Add derived plan").click()

    expect(page.get_by_text("Rate plan added: Non-refundable: Standard Rate -10%")).to_be_visible()
    row = page.locator("table.calendar tr.plan-row", has_text="Non-refundable")
    expect(row.get_by_test_id("derived-from")).to_have_text(": Standard Rate \N{MINUS SIGN}10%")
    cell = row.locator(f"td[data-night='{today}']")
    expect(cell).to_contain_text("108.00")
    expect(cell).to_have_attribute("data-read-only", "")
    screenshot(page, f"rates-derived-plan-{width}")

    edit = page.get_by_role("form", name="Modifier of Non-refundable")
    edit.get_by_label("Modifier").select_option("amount")
    edit.get_by_label("Value").fill("-20.00")
    edit.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Rate plan saved: Non-refundable: Standard Rate -20.00")
    ).to_be_visible()
    expect(row.locator(f"td[data-night='{today}']")).to_contain_text("100.00")
    page.get_by_role("form", name="Modifier of Non-refundable").scroll_into_view_if_needed()
    screenshot(page, f"rates-derived-plan-edited-{width}")
