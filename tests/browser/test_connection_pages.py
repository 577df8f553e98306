"""Issue 14 in Chromium: two connections in one organisation on the Push history, Message log,
Sync and Rates pages (screenshots at desktop and phone width), the remembered connection, and
the Sync page's table of runs following a run's status without a reload.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn
from playwright.sync_api import Page, ViewportSize, expect

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError
from channel_manager.domain.messages import MessageDirection
from tests.browser.conftest import screenshot
from tests.support.builders import booking
from tests.support.clock import next_year
from tests.support.containers import make_settings
from tests.support.network import free_port
from tests.unit.web.two_connections import (
    CANAL,
    CANAL_CODE,
    HARBOUR,
    TwoConnections,
    later,
    two_connections,
)
from tests.unit.web.world import HOTEL_CODE, web_app

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


class Served:
    """The two-connection world served over HTTP."""

    def __init__(self, two: TwoConnections, base_url: str) -> None:
        self.two = two
        self.base_url = base_url


@pytest.fixture
def served() -> Iterator[Served]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    built: list[TwoConnections] = []
    # In a thread: the set-up runs coroutines, and Playwright keeps a loop in this one.
    builder = threading.Thread(
        target=lambda: built.append(two_connections(make_settings({"CM_PUBLIC_URL": base_url})))
    )
    builder.start()
    builder.join(timeout=30)
    [two] = built
    server = uvicorn.Server(
        uvicorn.Config(web_app(two.world), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="web-ui-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the web UI server did not start")
        threading.Event().wait(0.05)
    yield Served(two, base_url)
    server.should_exit = True
    thread.join(timeout=10)


def _rate(hotel: str, room: str, plan: str, amount: str, month: int) -> AriChangeInput:
    return AriChangeInput(
        hotel_code=hotel,
        room_type_code=room,
        rate_plan_code=plan,
        start=next_year(month, 1),
        end=next_year(month, 3),
        rate=amount,
    )


def _dispatch(served: Served) -> None:
    """The worker's round, in a thread of its own (Playwright keeps a loop in this one)."""
    dispatcher = served.two.world.container.dispatcher()
    worker = threading.Thread(target=asyncio.run, args=(dispatcher.dispatch_due("browser"),))
    worker.start()
    worker.join(timeout=10)


def _history(served: Served) -> None:
    """On both connections: a push delivered after a retry, one failed, one waiting behind
    a retrying one; messages logged; a sync run going on each."""
    two, world = served.two, served.two.world
    ari, org = world.container.ari(), world.organization_id
    ari.submit(org, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "99", 2)])
    world.channel.fail_next(GatewayOperation.PUSH_RATES, RetryableChannelError("503 busy"))
    _dispatch(served)
    later(world, timedelta(hours=1))
    _dispatch(served)  # delivered on the second attempt
    ari.submit(org, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "0.5", 3)])
    world.channel.fail_next(
        GatewayOperation.PUSH_RATES, PermanentChannelError("400", "rate below the minimum")
    )
    _dispatch(served)  # failed for good
    later(world, timedelta(minutes=1))
    ari.submit(org, two.canal, [_rate(CANAL_CODE, "TWN", "FLEX", "88", 2)])
    world.channel.fail_next(GatewayOperation.PUSH_RATES, RetryableChannelError("timeout"))
    _dispatch(served)  # retrying later
    later(world, timedelta(seconds=5))
    ari.submit(org, two.canal, [_rate(CANAL_CODE, "TWN", "FLEX", "92", 4)])  # waits for it
    for connection, kind in ((two.harbour, "OTA_HotelRateAmountNotifRQ"), (two.canal, "OTA_Ping")):
        world.container.message_log().write(
            connection_id=connection,
            direction=MessageDirection.OUTBOUND,
            message_type=kind,
            endpoint="/ota/test",
            body="<OTA/>",
            http_status=200,
        )
    for connection in (two.harbour, two.canal):
        world.container.sync().request(org, connection)


def _sign_in(served: Served, page: Page) -> None:
    link = served.two.world.container.signin_links().issue(served.two.world.organization_id)
    page.goto(link.url(served.base_url))
    page.get_by_role("button", name=re.compile("^Sign in to ")).click()
    expect(page).to_have_url(re.compile(r"/integrations$"))


def _at_both_widths(page: Page, path: str, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(path)
    screenshot(page, f"30-{name}-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways at phone width ({width}px)"
    screenshot(page, f"31-{name}-phone")


def test_every_connection_on_the_history_pages(served: Served, page: Page) -> None:
    _history(served)
    _sign_in(served, page)
    base = served.base_url

    _at_both_widths(page, f"{base}/pushes", "pushes-all-connections")
    rows = page.locator("table.pushes tbody tr")
    expect(rows.filter(has_text=HARBOUR)).to_have_count(2)
    expect(rows.filter(has_text=CANAL)).to_have_count(2)
    expect(page.locator("tr.state-failed")).to_contain_text("rate below the minimum")
    delivered = page.locator("tr.state-delivered")
    expect(delivered).to_contain_text("An earlier attempt failed: 503 busy")
    expect(delivered.locator(".bad")).to_have_count(0)
    expect(page.get_by_test_id("waiting")).to_contain_text("Waiting for push #")
    expect(page.get_by_test_id("waiting")).to_contain_text("Canal House")

    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_label("Connection", exact=True).select_option(label=CANAL)
    page.get_by_role("button", name="Filter").click()
    expect(rows.filter(has_text="Canal House")).to_have_count(2)
    expect(page.get_by_test_id("failed-elsewhere")).to_contain_text("1 failed push")
    screenshot(page, "32-pushes-one-connection")

    # Remembered: the other pages open on Canal House.
    page.get_by_role("link", name="Rates & availability").click()
    expect(page.get_by_label("Connection", exact=True)).to_have_value(str(served.two.canal))
    _at_both_widths(page, f"{base}/rates", "rates-two-connections")
    _at_both_widths(page, f"{base}/messages?connection_id=all", "messages-all-connections")
    expect(page.locator("table tbody tr")).to_have_count(2)


def test_the_runs_table_follows_the_runs_status(served: Served, page: Page) -> None:
    _history(served)
    _sign_in(served, page)
    page.goto(f"{served.base_url}/sync")
    runs = page.locator("table[data-live-runs] tbody tr")
    expect(runs).to_have_count(2)
    expect(runs.filter(has_text="running")).to_have_count(2)
    _at_both_widths(page, f"{served.base_url}/sync", "sync-two-connections")
    page.set_viewport_size({"width": 1280, "height": 860})

    world = served.two.world
    with world.container.uow_factory()() as uow:
        for run in uow.sync_runs.list_by_connection(served.two.harbour):
            uow.sync_runs.update(run.finish(world.container.clock().now(), counts={"hotels": 1}))
        uow.commit()

    # No reload: live.js fetches the rows again.
    harbour_row = runs.filter(has_text=HARBOUR)
    expect(harbour_row).to_contain_text("succeeded")
    expect(harbour_row).to_contain_text("hotels: 1")
    expect(runs.filter(has_text=CANAL)).to_contain_text("running")
    expect(page.locator("[data-live-runs-status]")).to_have_text("Sync finished: succeeded.")
    screenshot(page, "33-sync-run-finished-live")


#: A UUID as people should never have to read one.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _reservations_on_both(served: Served) -> None:
    """A booking on each connection's hotel, imported by each connection's poll."""
    two, world = served.two, served.two.world
    sync = world.container.sync()
    # The fake channel keeps one queue for every account: each booking is queued just before
    # the poll of the connection holding its hotel, as each account's own queue would hold it.
    bookings = (
        (two.harbour, booking("HV-1001", hotel_code=HOTEL_CODE, room="DBL")),
        (two.canal, booking("CH-2002", hotel_code=CANAL_CODE, room="TWN", minute=1)),
    )

    async def poll_both() -> None:
        for connection, queued in bookings:
            world.channel.enqueue(queued)
            await sync.poll(connection)

    worker = threading.Thread(target=asyncio.run, args=(poll_both(),))
    worker.start()
    worker.join(timeout=15)


def _readable(page: Page, path: str) -> None:
    """No raw ids in what the page says (links may carry them; the text may not)."""
    shown = page.locator("main").inner_text()
    found = _UUID.search(shown)
    assert found is None, (
        f"{path} shows a raw id: ...{shown[max(0, found.start() - 60) : found.end()]}"
    )


def test_two_connections_through_every_page(served: Served, page: Page) -> None:
    """Issue 14's walk: every page with two connections, at desktop and phone width."""
    _history(served)
    _reservations_on_both(served)
    _sign_in(served, page)
    base, two = served.base_url, served.two

    _at_both_widths(page, f"{base}/integrations", "walk-01-integrations")
    _readable(page, "/integrations")
    for name in ("Harbour View Hotel", "Canal House"):
        expect(page.locator("main")).to_contain_text(name)
    expect(page.get_by_test_id("last-push")).to_have_count(2)  # the inbound push panel

    for step, (connection, hotel) in enumerate(
        ((two.harbour, "Harbour View Hotel"), (two.canal, "Canal House")), start=2
    ):
        path = f"{base}/connections/{connection}/mapping"
        _at_both_widths(page, path, f"walk-0{step}-mapping")
        _readable(page, path)
        expect(page.locator("main")).to_contain_text(hotel)

    _at_both_widths(page, f"{base}/reservations", "walk-04-reservations")
    _readable(page, "/reservations")
    listed = page.locator("table tbody")
    expect(listed.locator("tr", has_text="HV-1001")).to_contain_text("Harbour View Hotel")
    expect(listed.locator("tr", has_text="CH-2002")).to_contain_text("Canal House")
    expect(listed.locator(".badge", has_text="unmapped")).to_have_count(0)
    for step, external_id in ((5, "HV-1001"), (6, "CH-2002")):
        page.goto(f"{base}/reservations")
        page.get_by_role("link", name=external_id, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(external_id)
        _at_both_widths(page, page.url, f"walk-0{step}-reservation-{external_id}")
        _readable(page, external_id)

    _at_both_widths(page, f"{base}/sync", "walk-07-sync")
    _readable(page, "/sync")
    runs = page.locator("table[data-live-runs] tbody tr")
    expect(runs.filter(has_text=HARBOUR)).not_to_have_count(0)
    expect(runs.filter(has_text=CANAL)).not_to_have_count(0)

    for step, (connection, label) in ((8, (two.harbour, HARBOUR)), (9, (two.canal, CANAL))):
        path = f"{base}/rates?connection_id={connection}"
        _at_both_widths(page, path, f"walk-0{step}-rates")
        _readable(page, path)
        expect(page.get_by_label("Connection", exact=True).locator("option:checked")).to_have_text(
            label
        )

    _at_both_widths(page, f"{base}/pushes?connection_id=all", "walk-10-pushes")
    _readable(page, "/pushes")
    rows = page.locator("table.pushes tbody tr")
    expect(rows.filter(has_text=HARBOUR)).not_to_have_count(0)
    expect(rows.filter(has_text=CANAL)).not_to_have_count(0)

    _at_both_widths(page, f"{base}/messages?connection_id=all", "walk-11-messages")
    _readable(page, "/messages")

    # An address that is no page: a page in the layout that says so, not JSON.
    _at_both_widths(page, f"{base}/no-such-page", "walk-12-not-found")
    expect(page.get_by_role("heading", level=1)).to_contain_text("not found", ignore_case=True)
    assert not page.locator("body").inner_text().lstrip().startswith("{")
