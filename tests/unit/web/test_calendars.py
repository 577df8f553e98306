"""Calendars (iCal) in the browser: the form that connects one to a unit, the page with our
export URL, the card on the Integrations page, rotating the export URL, "Sync now", the
overbookings list, and blocks and calendar names on the reservation pages.

The other side's URL is a secret: after the form, no page shows more of it than its host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import lxml.html
import pytest
from litestar.testing import TestClient

from channel_manager.domain.reservation import ReservationKind
from tests.support.clock import next_year
from tests.support.containers import make_settings
from tests.support.markup import elements, html_page, texts
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.feed_world import FeedWorld, build_feed_world, feed_app

IMPORT_URL = "https://www.airbnb.com/calendar/ical/41234567.ics?s=9f0c2b7e5d1a4c3b8e6f"
SECRET_PART = "9f0c2b7e5d1a4c3b8e6f"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def feeds_world() -> FeedWorld:
    return build_feed_world(make_settings({"CM_PUBLIC_URL": "http://testserver.local"}))


@pytest.fixture
def browser(feeds_world: FeedWorld) -> Iterator[TestClient]:
    with TestClient(feed_app(feeds_world), base_url="http://testserver.local") as test_client:
        sign_in(test_client, feeds_world.world.api_key)
        yield test_client


def _text(html: str) -> str:
    """What a person reads: the page's text without tags, script or style."""
    tree = html_page(html)
    for hidden in elements(tree, "//script|//style|//head"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


def _add(
    client: TestClient, unit_id: UUID, *, name: str = "Sea View Loft on Airbnb", **extra: str
) -> Any:
    form = client.get("/integrations/calendars/new")
    data = {
        "_csrf_token": csrf_from(form.text),
        "unit_id": str(unit_id),
        "name": name,
        "import_url": IMPORT_URL,
        **extra,
    }
    return client.post("/integrations/calendars", data=data, follow_redirects=False)


def _added(client: TestClient, unit_id: UUID, **extra: str) -> UUID:
    response = _add(client, unit_id, **extra)
    assert response.status_code == 303, response.text
    match = re.fullmatch(
        r"/integrations/calendars/([0-9a-f-]{36})\?added=1", response.headers["location"]
    )
    assert match, response.headers["location"]
    return UUID(match.group(1))


def _card(client: TestClient) -> lxml.html.HtmlElement:
    page = html_page(client.get("/integrations").text)
    (card,) = elements(page, "//section[@data-testid='calendar-card']")
    return card


def _card_text(card: lxml.html.HtmlElement) -> str:
    return " ".join(card.text_content().split())


def _facts(element: lxml.html.HtmlElement) -> dict[str, str]:
    """The ``<dt>``/``<dd>`` pairs under ``element``, as read."""
    return {
        " ".join(dt.text_content().split()): " ".join(dd.text_content().split())
        for dt, dd in zip(elements(element, ".//dt"), elements(element, ".//dd"), strict=True)
    }


def test_the_form_lists_the_units_by_property_with_the_link_help(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    page = html_page(browser.get("/integrations").text)
    (add,) = elements(page, "//section[@data-testid='add-calendar']")
    assert "Add a calendar (Airbnb, Vrbo, other)" in add.text_content()
    assert texts(add, ".//a/@href") == ["/integrations/calendars/new"]

    form = html_page(browser.get("/integrations/calendars/new").text)
    groups = {
        group.get("label"): [o.text_content() for o in elements(group, "./option")]
        for group in elements(form, "//select[@name='unit_id']/optgroup")
    }
    assert groups == {
        "Harbour View Hotel": ["Double Room"],
        "Sea View Apartments": ["Loft", "Studio"],
    }
    (url,) = elements(form, "//input[@name='import_url']")
    assert url.get("type") == "url"
    assert "Airbnb: Calendar → Availability → Connect to another website → copy the link" in (
        form.text_content()
    )
    (option,) = elements(form, "//input[@name='end_is_last_night']")
    assert option.get("type") == "checkbox"
    assert option.get("checked") is None
    assert elements(form, "//form[@method='post']//input[@name='_csrf_token']")


def test_adding_a_calendar_shows_our_export_url_and_its_card(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)

    done = browser.get(f"/integrations/calendars/{connection_id}?added=1")
    assert done.status_code == 200
    tree = html_page(done.text)
    (export,) = elements(tree, "//input[@data-testid='export-url']")
    export_url = export.get("value")
    assert re.fullmatch(r"http://testserver\.local/ical/[A-Za-z0-9_-]{40,}\.ics", export_url)
    assert elements(tree, "//button[@data-copy='export-url']")
    assert "Paste this into Airbnb/Vrbo so they see your other bookings." in _text(done.text)
    assert "The calendar was added." in _text(done.text)

    card = _card(browser)
    assert texts(card, ".//h3/text()") == ["Sea View Loft on Airbnb"]
    assert _facts(card) == {
        "Unit": "Loft (Sea View Apartments)",
        "Importing from": "https://www.airbnb.com/…",
        "Last fetch": "not yet",
        "Last success": "not yet",
        "Stays": "0",
        "Blocks": "0",
        "Problems": "0",
    }
    assert texts(card, ".//input[@data-testid='export-url']/@value") == [export_url]
    actions = texts(card, ".//form[@method='post']/@action")
    assert actions == [
        f"/connections/{connection_id}/sync",
        f"/integrations/calendars/{connection_id}/rotate",
        f"/integrations/{connection_id}/disconnect",
    ]
    (rotate,) = elements(card, ".//form[contains(@action, '/rotate')]")
    assert "the old URL stops working; paste the new one into Airbnb" in rotate.get(
        "data-confirm"
    ).replace("The old URL", "the old URL")
    # A calendar is not a Booking.com account: no Booking.com card for it.
    assert "Booking.com" in _text(browser.get("/integrations").text)
    page = html_page(browser.get("/integrations").text)
    assert texts(page, "//section[@data-testid='booking-card']//h2/text()") == ["Booking.com"]


def test_the_import_url_never_appears_whole_in_any_page(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    feeds_world.apply(connection_id, "HMABCDEF12", next_year(7, 1), nights=3)

    for path in (
        "/integrations",
        f"/integrations/calendars/{connection_id}",
        "/reservations",
        "/sync",
        "/overbookings",
        f"/rates?connection_id={connection_id}",
    ):
        html = browser.get(path).text
        assert SECRET_PART not in html, path
        assert "41234567.ics" not in html, path
    assert SECRET_PART not in repr(feeds_world.world.container.feeds().list(feeds_world.org))


def test_a_url_refused_brings_the_form_back_with_what_was_typed(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    form = browser.get("/integrations/calendars/new")
    response = browser.post(
        "/integrations/calendars",
        data={
            "_csrf_token": csrf_from(form.text),
            "unit_id": str(feeds_world.loft_id),
            "name": "Loft on Vrbo",
            "import_url": "ftp://www.vrbo.com/icalendar/abc.ics",
            "end_is_last_night": "yes",
        },
    )

    assert response.status_code == 422
    tree = html_page(response.text)
    (error,) = elements(tree, "//*[@data-testid='form-error']")
    assert "Calendar link" in error.text_content()
    assert "https://" in error.text_content()
    assert texts(tree, "//input[@name='name']/@value") == ["Loft on Vrbo"]
    assert texts(tree, "//select[@name='unit_id']//option[@selected]/text()") == ["Loft"]
    assert texts(tree, "//input[@name='end_is_last_night']/@checked")
    assert feeds_world.world.container.feeds().list(feeds_world.org) == []


def test_a_url_the_service_refuses_comes_back_without_echoing_it_in_the_message(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    form = browser.get("/integrations/calendars/new")
    response = browser.post(
        "/integrations/calendars",
        data={
            "_csrf_token": csrf_from(form.text),
            "unit_id": str(feeds_world.loft_id),
            "name": "Loft",
            "import_url": "https:///calendar/ical/1.ics?s=hidden",
        },
    )

    assert response.status_code == 422
    tree = html_page(response.text)
    (error,) = elements(tree, "//*[@data-testid='form-error']")
    assert "calendar" in error.text_content()
    assert "hidden" not in error.text_content()
    assert texts(tree, "//input[@name='import_url']/@value") == [
        "https:///calendar/ical/1.ics?s=hidden"
    ]


def test_a_missing_name_is_refused(browser: TestClient, feeds_world: FeedWorld) -> None:
    response = _add(browser, feeds_world.loft_id, name="  ")

    assert response.status_code == 422
    assert "Name is required" in _text(response.text)


def test_another_organisations_unit_is_not_found(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    response = _add(browser, feeds_world.foreign_unit_id)

    assert response.status_code == 404
    assert "Unit not found" in _text(response.text)
    assert str(feeds_world.foreign_unit_id) not in response.text
    assert feeds_world.world.container.feeds().list(feeds_world.org) == []


def test_the_form_without_its_csrf_token_is_refused(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    response = browser.post(
        "/integrations/calendars",
        data={
            "unit_id": str(feeds_world.loft_id),
            "name": "Loft",
            "import_url": IMPORT_URL,
        },
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert feeds_world.world.container.feeds().list(feeds_world.org) == []


def test_the_card_shows_what_the_last_fetches_found(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    now = feeds_world.now()
    feeds_world.update_feed(
        connection_id,
        last_fetch_at=now - timedelta(minutes=3),
        last_success_at=now - timedelta(hours=2),
        last_error="HTTP 503 from www.airbnb.com",
        stays=4,
        blocks=2,
        problems=("an event without DTEND was skipped (UID x1)",),
        suspect_since=now - timedelta(minutes=3),
        suspect_reason="the feed came back empty (it had 6 events)",
    )

    card = _card(browser)
    facts = _facts(card)
    assert facts["Last fetch"] == f"3 min ago ({now - timedelta(minutes=3):%Y-%m-%d %H:%M} UTC)"
    assert facts["Last success"].startswith("2 h ago (")
    assert facts["Stays"] == "4"
    assert facts["Blocks"] == "2"
    assert _card_text(card).startswith("Sea View Loft on Airbnb fetch failing")
    (error,) = elements(card, ".//*[@data-testid='calendar-error']")
    assert error.get("class") == "error"
    assert "HTTP 503 from www.airbnb.com" in error.text_content()
    (suspect,) = elements(card, ".//*[@data-testid='calendar-suspect']")
    assert suspect.get("class") == "warn"
    assert (
        "the feed came back empty or much smaller, so it is held and nothing was cancelled"
        in " ".join(suspect.text_content().split())
    )
    (problems,) = elements(card, ".//details")
    assert "1 skipped or guessed" in elements(problems, "./summary")[0].text_content()
    assert "an event without DTEND was skipped" in problems.text_content()


def test_rotating_the_export_url_replaces_it(browser: TestClient, feeds_world: FeedWorld) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    before = texts(_card(browser), ".//input[@data-testid='export-url']/@value")[0]
    page = browser.get("/integrations")

    response = browser.post(
        f"/integrations/calendars/{connection_id}/rotate",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/integrations/calendars/{connection_id}"
    shown = browser.get(response.headers["location"])
    after = texts(html_page(shown.text), "//input[@data-testid='export-url']/@value")[0]
    assert after != before
    assert before not in shown.text
    assert "the old one no longer works" in _text(shown.text)
    assert browser.get(before.removeprefix("http://testserver.local")).status_code == 404


def test_rotating_without_the_csrf_token_is_refused(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    before = texts(_card(browser), ".//input[@data-testid='export-url']/@value")[0]

    response = browser.post(
        f"/integrations/calendars/{connection_id}/rotate", data={}, follow_redirects=False
    )

    assert response.status_code == 403
    assert texts(_card(browser), ".//input[@data-testid='export-url']/@value") == [before]


def test_sync_now_on_a_calendar_records_a_full_sync(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    page = browser.get("/integrations")

    response = browser.post(
        f"/connections/{connection_id}/sync",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/sync?run=")
    runs = feeds_world.world.container.queries().recent_sync_runs(feeds_world.org, connection_id, 5)
    assert len(runs) == 1


def test_another_organisations_calendar_pages_are_not_found(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    foreign = feeds_world.foreign_calendar()
    page = browser.get("/integrations")

    assert browser.get(f"/integrations/calendars/{foreign}").status_code == 404
    response = browser.post(
        f"/integrations/calendars/{foreign}/rotate",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 404


def test_overbookings_list_the_clashing_bookings_and_the_card_links_there(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    airbnb = _added(browser, feeds_world.loft_id)
    vrbo = _added(browser, feeds_world.loft_id, name="Loft on Vrbo")
    arrival = next_year(8, 10)
    first = feeds_world.apply(airbnb, "HMAAAA1111", arrival, nights=3)
    second = feeds_world.apply(vrbo, "VRBO-77", arrival + timedelta(days=1), nights=3)

    page = html_page(browser.get("/integrations").text)
    badges = elements(page, "//*[@data-testid='calendar-overbookings']")
    assert [b.get("href") for b in badges] == ["/overbookings", "/overbookings"]
    assert "1 overbooking on this unit" in badges[0].text_content()
    assert texts(page, "//*[@data-testid='overbookings-alert']//a/@href") == ["/overbookings"]

    listed = browser.get("/overbookings")
    assert listed.status_code == 200
    (alert,) = elements(html_page(listed.text), "//*[@data-testid='overbooking']")
    text = " ".join(alert.text_content().split())
    assert "Loft · Sea View Apartments" in text
    assert "2 booked, 1 room" in text
    last_night = arrival + timedelta(days=2)
    assert f"{arrival + timedelta(days=1)} \u2013 {last_night} (2 nights" in text
    assert "iCal · Sea View Loft on Airbnb" in text
    assert "iCal · Loft on Vrbo" in text
    assert texts(alert, ".//a/@href") == [f"/reservations/{first}", f"/reservations/{second}"]
    assert not _UUID.search(_text(listed.text))


def test_no_overbookings_says_so(browser: TestClient) -> None:
    listed = browser.get("/overbookings")

    assert listed.status_code == 200
    assert "No overbookings" in _text(listed.text)
    assert "overbookings-alert" not in browser.get("/integrations").text


def test_a_block_reads_as_a_block_with_the_calendar_named(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    block = feeds_world.apply(
        connection_id, "block-1", next_year(9, 1), nights=2, kind=ReservationKind.BLOCK
    )

    listing = html_page(browser.get("/reservations").text)
    (row,) = elements(listing, f"//tr[.//a[@href='/reservations/{block}']]")
    cells = {
        td.get("data-label"): " ".join(td.text_content().split()) for td in elements(row, "td")
    }
    assert cells["Guest"] == "Block"
    assert cells["Channel"] == "iCal · Sea View Loft on Airbnb"
    assert cells["Property"] == "Sea View Apartments"
    assert cells["Reservation"].startswith("Block")

    detail = browser.get(f"/reservations/{block}")
    text = _text(detail.text)
    assert "Block block-1" in text
    assert _facts(html_page(detail.text))["Channel"] == "iCal · Sea View Loft on Airbnb"
    assert "no guest" in text
    assert not _UUID.search(text)


def test_calendar_pages_show_no_raw_ids(browser: TestClient, feeds_world: FeedWorld) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    for path in (
        "/integrations",
        "/integrations/calendars/new",
        f"/integrations/calendars/{connection_id}",
        "/overbookings",
    ):
        assert not _UUID.search(_text(browser.get(path).text)), path


def test_disconnecting_a_calendar_moves_it_to_the_disconnected_accounts(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)
    export_url = texts(_card(browser), ".//input[@data-testid='export-url']/@value")[0]
    page = browser.get("/integrations")

    response = browser.post(
        f"/integrations/{connection_id}/disconnect",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )

    assert response.status_code == 303
    after = browser.get("/integrations")
    assert "The calendar was disconnected. Reservations and history are kept." in _text(after.text)
    tree = html_page(after.text)
    assert elements(tree, "//section[@data-testid='calendar-card']") == []
    (past,) = elements(tree, "//ul[contains(@class, 'past')]/li")
    assert "iCal · Sea View Loft on Airbnb (revoked)" in " ".join(past.text_content().split())
    assert browser.get(export_url.removeprefix("http://testserver.local")).status_code == 404


def test_the_rates_page_does_not_offer_a_calendar_to_push_to(
    browser: TestClient, feeds_world: FeedWorld
) -> None:
    connection_id = _added(browser, feeds_world.loft_id)

    asked = browser.get(f"/rates?connection_id={connection_id}")
    page = browser.get("/rates")

    assert asked.status_code == 404
    assert page.status_code == 200
    assert "Sea View Loft on Airbnb" not in _text(page.text)
