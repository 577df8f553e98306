"""The property manager's story in Chromium against the Booking.com sandbox over real HTTP:
the sandbox's own consent and Extranet pages, its reservations, its ARI store.

Screenshots of every step at laptop and phone widths land in ``test-artifacts/story-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.sandbox_story import (
    LAPTOP,
    Camera,
    Story,
    days,
    month_crossing_range,
    running_story,
    shown_money,
)
from tests.e2e.flows import create_property, ok, sandbox_ari
from tests.e2e.inventory import outbound_settled

pytestmark = pytest.mark.browser

HOTEL = "1000001"  # Sakura Suites Amsterdam: EUR, 11 room types, one rate plan (50001)
OUR_UNITS = {"Standard Double Room": 6, "Twin Room": 4}  # named like two of Booking's rooms


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Story]:
    with running_story(tmp_path, "Harbour Hotels") as running:
        yield running


@pytest.fixture
def camera(browser: Browser) -> Iterator[Camera]:
    context = browser.new_context(viewport=LAPTOP)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield Camera(opened)
    context.close()


def _sign_in_and_connect_oauth2(story: Story, camera: Camera) -> None:
    """One-click sign-in, Connect, approve ``HOTEL`` only on the sandbox's consent page."""
    page = camera.page
    page.goto(story.signin_link)
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))
    expect(page.get_by_test_id("booking-card")).to_contain_text("not connected")
    camera.shoot("01-integrations-not-connected")

    page.get_by_role("button", name="Connect").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(story.sandbox.base_url)}/oauth2/authorize"))
    for hotel in story.sandbox.state.hotels.values():
        page.get_by_label(f"{hotel.name} ({hotel.code})").set_checked(hotel.code == HOTEL)
    camera.shoot("02-sandbox-consent", ours=False)
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(re.compile(r"/integrations/booking/result\?"))
    expect(page.get_by_test_id("connect-result")).to_contain_text("Booking.com is connected")
    camera.shoot("03-connect-result")


def _map_rooms(story: Story, camera: Camera) -> None:
    """Suggestions stay as they are; every other room becomes a new unit of 5 rooms."""
    page = camera.page
    page.get_by_role("link", name="Map rooms now").click()
    hotel = story.sandbox.state.hotels[HOTEL]
    for room in hotel.rooms:
        unit = page.get_by_label(f"Unit for {room.name}", exact=True)
        if room.name in OUR_UNITS:
            expect(unit.locator("option:checked")).to_contain_text(room.name)
            # A room count only means something for a new unit.
            expect(page.get_by_label(f"Rooms of a new unit for {room.name}")).to_be_disabled()
    camera.shoot("04-mapping-suggested")
    for room in hotel.rooms:
        if room.name not in OUR_UNITS:
            page.get_by_label(f"Unit for {room.name}", exact=True).select_option(
                label="+ Create a new unit"
            )
            page.get_by_label(f"Rooms of a new unit for {room.name}").fill("5")
    for plan in hotel.rate_plans:
        page.get_by_label(f"Rate plan for {plan.name}", exact=True).select_option(
            label="+ Create a new rate plan"
        )
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_role("status")).to_contain_text("Mapping saved")
    expect(page.locator("tr.unmapped")).to_have_count(0)
    camera.shoot("05-mapping-saved")


def _sync_and_read_reservations(story: Story, camera: Camera) -> None:
    """Sync now with live progress; the sandbox's bookings listed, one read in detail."""
    page = camera.page
    page.get_by_role("link", name="Sync", exact=True).click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("live-run")).to_contain_text("succeeded", timeout=20_000)
    expect(page.get_by_test_id("live-run")).to_contain_text("reservations: 3")
    camera.shoot("06-sync-live-progress-finished")
    page.get_by_role("link", name="Update the list of runs").click()
    expect(page.get_by_role("table").locator("tbody tr").first).to_contain_text("succeeded")
    camera.shoot("06b-sync-runs")

    page.get_by_role("link", name="Reservations", exact=True).click()
    theirs = story.sandbox_reservations(HOTEL)
    listed = page.locator("table tbody")
    for booked in theirs:
        # Non-ASCII names (Müller, Ògúnlésì ...) arrive exactly as booked.
        expect(listed).to_contain_text(f"{booked.booker.given_name} {booked.booker.surname}")
    camera.shoot("07-reservations")

    longest = max(theirs, key=lambda r: sum(len(s.nightly_prices) for s in r.stays))
    page.get_by_role("link", name=longest.id, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Reservation {longest.id}")
    rooms = page.get_by_role("region", name="Rooms")
    for index, stay in enumerate(longest.stays):
        table = rooms.locator("table").nth(index)  # one table of nightly prices per room
        for night, price in zip(stay.nights, stay.nightly_prices, strict=True):
            expect(table.get_by_role("row", name=night.isoformat())).to_contain_text(
                shown_money(price, longest.currency)
            )
    totals = page.get_by_role("region", name="Totals")
    expect(totals).to_contain_text(shown_money(longest.total, longest.currency))
    expect(totals).to_contain_text(shown_money(longest.commission, longest.currency))
    raw = page.locator("details[open] pre.xml")
    expect(raw).to_contain_text("OTA_HotelResNotifRQ")
    expect(raw).to_contain_text("***")
    expect(raw).to_contain_text(re.compile(r"\n +<HotelReservations"))  # indented to read
    assert longest.card.number not in page.content(), "the card number reached the page"
    camera.shoot("08-reservation-detail")


def _set_rates_and_push(story: Story, camera: Camera) -> tuple[str, Decimal, int]:
    """Availability and a rate over a month boundary: preview, Push, deliver; the room code."""
    page = camera.page
    hotel = story.sandbox.state.hotels[HOTEL]
    room = next(r for r in hotel.rooms if r.name == "Standard Double Room")
    plan = hotel.rate_plans[0]
    start, end = month_crossing_range(story.sandbox.state.clock.today())
    rate, rooms_to_sell = Decimal("135.50"), 3

    page.get_by_role("link", name="Rates & availability").click()
    page.get_by_label("Room type").select_option(room.id)
    page.get_by_label("Rate plan", exact=True).select_option(plan.id)
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("Until (inclusive)").fill(end.isoformat())
    page.get_by_label("Rooms to sell").fill(str(rooms_to_sell))
    page.get_by_label("Rate per night (EUR)").fill(str(rate))
    page.get_by_role("button", name="Preview messages").click()
    preview = page.get_by_test_id("preview")
    for message in ("OTA_HotelRateAmountNotifRQ", "OTA_HotelAvailNotifRQ"):
        expect(preview).to_contain_text(message)
    for month in {start.strftime("%B %Y"), end.strftime("%B %Y")}:
        expect(preview).to_contain_text(month)
    expect(preview).to_contain_text(shown_money(rate, "EUR"))
    camera.shoot("09-rates-preview")

    page.get_by_role("button", name="Push to Booking.com").click()
    expect(page.get_by_role("status")).to_contain_text("Queued")
    story.service.tick_until(lambda: outbound_settled(story.tenant))

    page.get_by_role("link", name="Push history").click()
    page.get_by_role("button", name="Filter").click()  # "Any state" is sent as state=
    expect(page.locator("tr.state-failed")).to_have_count(0)
    delivered = page.locator("tbody tr", has=page.locator(".push-delivered"))
    ours = delivered.filter(has_text=f"{room.id}/{plan.id}")
    expect(ours.first).to_be_visible()
    # Booking.com's RUID is the confirmation of each delivered push.
    expect(ours.first).to_contain_text(re.compile(r"RUID"))
    camera.shoot("10-push-history-delivered")

    page.get_by_role("link", name="Rates & availability").click()
    # The grid opens at today; show it from the first day pushed (any day of the year).
    page.get_by_label("First day shown").fill(start.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    grid = page.get_by_role("region", name=re.compile("Calendar"))
    row = grid.get_by_role("row", name=re.compile(f"{room.name} · {plan.name}"))
    pushed = len(days(start, end))
    shown = row.locator("td")
    for index in range(pushed):  # the grid's first columns are the days pushed
        expect(shown.nth(index)).to_contain_text(str(rate))
    expect(shown.nth(pushed)).not_to_contain_text(str(rate))  # the day after was not pushed
    camera.shoot("10b-rates-grid-after-push")

    ari = sandbox_ari(story.sandbox.base_url, HOTEL, start, end)
    for day in days(start, end):
        cell = ari[room.id, plan.id, day.isoformat()]
        assert (Decimal(cell["rate"]), cell["availability"]) == (rate, rooms_to_sell), day
    return room.id, rate, rooms_to_sell


def _message_log(camera: Camera) -> None:
    page = camera.page
    page.get_by_role("link", name="Message log").click()
    rows = page.locator("table tbody tr")
    for message in ("OTA_HotelRateAmountNotifRQ", "OTA_HotelAvailNotifRQ", "OTA_HotelResNotifRQ"):
        expect(rows.filter(has_text=message).first).to_be_visible()
    ruid = rows.filter(has_text="OTA_HotelRateAmountNotifRQ").first.locator("code").inner_text()
    assert ruid not in {"", "—"}, "an outbound rate message without Booking.com's RUID"
    page.get_by_label("RUID").fill(ruid)
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(ruid)
    camera.shoot("11-message-log-by-ruid")


def _cancellation_arrives(story: Story, camera: Camera) -> None:
    """Booking.com cancels a booking; the next poll brings it in."""
    page = camera.page
    cancelled = story.sandbox_reservations(HOTEL)[0]
    story.sandbox_post("/_sandbox/clock", {"seconds": 60})  # a later revision timestamp
    story.sandbox_post(
        "/_sandbox/reservations/generate", {"kind": "cancel", "reservation_id": cancelled.id}
    )
    story.service.tick_until(
        lambda: (found := story.our_reservation(cancelled.id)) and found["status"] == "cancelled"
    )
    page.get_by_role("link", name="Reservations", exact=True).click()
    page.get_by_label("Status").select_option("cancelled")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=cancelled.id, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("cancelled")
    camera.shoot("12-reservation-cancelled")


def test_oauth2_story_against_the_sandbox(story: Story, camera: Camera) -> None:
    create_property(story.tenant, "Sakura Suites Amsterdam", "EUR", OUR_UNITS)
    _sign_in_and_connect_oauth2(story, camera)
    _map_rooms(story, camera)
    _sync_and_read_reservations(story, camera)
    _set_rates_and_push(story, camera)
    _message_log(camera)
    _cancellation_arrives(story, camera)

    page = camera.page
    page.get_by_role("link", name="Integrations").click()
    card = page.get_by_test_id("booking-card")
    expect(card).to_contain_text("active")
    camera.shoot("13-integrations-active")
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status")).to_contain_text("disconnected")
    expect(page.get_by_test_id("booking-card")).to_contain_text("not connected")
    expect(page.get_by_role("region", name="Disconnected accounts")).to_contain_text("revoked")
    camera.shoot("14-integrations-disconnected")
    connections = ok(story.tenant.api.get("/api/v1/connections"))
    assert [c["status"] for c in connections] == ["revoked"]


def test_booking_connectivity_through_the_sandbox_extranet(story: Story, camera: Camera) -> None:
    hotel = story.sandbox.state.hotels["1000003"]  # seeded as not connected to us
    page = camera.page
    page.goto(story.signin_link)
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    # By keyboard only: arrow to the Extranet option, tab to the property id, Enter.
    page.get_by_label(re.compile("Sign in with Booking.com")).focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label(re.compile("Connectivity request from the Extranet"))).to_be_checked()
    page.keyboard.press("Tab")
    property_id = page.get_by_label("Booking.com property id")
    expect(property_id).to_be_focused()
    focus_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_outline == "solid", "the focused field shows no focus outline"
    page.keyboard.type(hotel.code)
    camera.shoot("20-connectivity-choose")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"^{re.escape(story.sandbox.base_url)}/extranet/"))
    expect(page.locator("body")).to_contain_text(hotel.name)
    camera.shoot("21-sandbox-extranet", ours=False)
    page.get_by_role("button", name="Request connection").click()

    expect(page.get_by_test_id("connect-result")).to_contain_text("Booking.com is connected")
    expect(page.get_by_test_id("connect-result")).to_contain_text(hotel.code)
    camera.shoot("22-connectivity-result")
    page.get_by_role("link", name="Map rooms now").click()
    for room in hotel.rooms:
        expect(page.get_by_label(f"Unit for {room.name}", exact=True)).to_be_visible()
    page.get_by_role("link", name="Integrations").click()
    card = page.get_by_test_id("booking-card")
    expect(card).to_contain_text("active")
    expect(card).to_contain_text("Extranet connectivity request")
    expect(card).to_contain_text(hotel.code)
    camera.shoot("23-connectivity-integrations")
    status = story.sandbox.state.connections[hotel.code].status.value
    assert status == "connected"
