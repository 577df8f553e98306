"""Issue 14: the pages about connections work across all of an organisation's connections.

Two Booking.com connections in one organisation (each holding one hotel): the lists show both
with the connection's name and filter on one; the connection (and the Rates hotel) chosen is
remembered in the session; another organisation's connection id is refused and a remembered
id that is no longer the organisation's is forgotten.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import attrs
import pytest
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.channel import (
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
)
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.domain.messages import MessageDirection
from tests.support.clock import MovableClock, next_year
from tests.support.markup import elements, html_page, string, texts
from tests.unit.web.conftest import sign_in
from tests.unit.web.two_connections import (
    CANAL,
    CANAL_CODE,
    HARBOUR,
    TwoConnections,
    connect_hotel,
    map_hotel,
    two_connections,
)
from tests.unit.web.world import HOTEL_CODE, World, connect, web_app


@pytest.fixture
def two() -> TwoConnections:
    return two_connections()


@pytest.fixture
def browser(two: TwoConnections) -> Iterator[TestClient]:
    with TestClient(web_app(two.world), base_url="http://testserver.local") as client:
        sign_in(client, two.world.api_key)
        yield client


def _rate(hotel: str, room: str, plan: str, amount: str, month: int = 2) -> AriChangeInput:
    return AriChangeInput(
        hotel_code=hotel,
        room_type_code=room,
        rate_plan_code=plan,
        start=next_year(month, 1),
        end=next_year(month, 3),
        rate=amount,
    )


def _push_on_both(two: TwoConnections) -> None:
    ari = two.world.container.ari()
    ari.submit(two.world.organization_id, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "99")])
    ari.submit(two.world.organization_id, two.canal, [_rate(CANAL_CODE, "TWN", "FLEX", "88")])


def _rows(html: str) -> list[dict[str, str]]:
    """Each body row of the page's table as {column label: text}."""
    document = html_page(html)
    return [
        {
            str(cell.get("data-label")): " ".join(cell.text_content().split())
            for cell in elements(row, "./td[@data-label]")
        }
        for row in elements(document, "//table/tbody/tr")
    ]


def _options(html: str, select_id: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of a select's options."""
    document = html_page(html)
    return [
        (str(o.get("value")), o.text_content().strip(), o.get("selected") is not None)
        for o in elements(document, f"//select[@id='{select_id}']/option")
    ]


def _selected(html: str, select_id: str) -> str:
    return next(text for _value, text, chosen in _options(html, select_id) if chosen)


def test_push_history_lists_every_connection_by_name(
    browser: TestClient, two: TwoConnections
) -> None:
    _push_on_both(two)

    page = browser.get("/pushes")

    assert page.status_code == 200
    rows = _rows(page.text)
    assert sorted(row["Connection"] for row in rows) == [CANAL, HARBOUR]
    assert _selected(page.text, "f-connection") == "All connections"
    assert [text for _v, text, _s in _options(page.text, "f-connection")] == [
        "All connections",
        CANAL,  # newest first
        HARBOUR,
    ]
    canal_row = next(row for row in rows if row["Connection"] == CANAL)
    # Names, with the channel's codes as secondary text.
    assert canal_row["Message"].startswith("Canal House")
    assert "Twin Room · Flexible Rate TWN/FLEX" in canal_row["Ranges"]
    assert str(two.canal) not in canal_row["Connection"]


def test_the_lists_filter_by_connection_and_remember_it(
    browser: TestClient, two: TwoConnections
) -> None:
    _push_on_both(two)
    log = two.world.container.message_log()
    for connection, kind in ((two.harbour, "HarbourRQ"), (two.canal, "CanalRQ")):
        log.write(
            connection_id=connection,
            direction=MessageDirection.OUTBOUND,
            message_type=kind,
            endpoint="/test",
            body="<x/>",
        )

    filtered = browser.get(f"/pushes?connection_id={two.canal}")
    again = browser.get("/pushes")  # the filter is remembered
    messages = browser.get("/messages")  # and shared by the other lists
    everything = browser.get("/messages?connection_id=all")
    after_all = browser.get("/pushes")

    assert [row["Connection"] for row in _rows(filtered.text)] == [CANAL]
    assert _selected(filtered.text, "f-connection") == CANAL
    assert [row["Connection"] for row in _rows(again.text)] == [CANAL]
    assert [row["Type"] for row in _rows(messages.text)] == ["CanalRQ/test"]
    assert sorted(row["Connection"] for row in _rows(everything.text)) == [CANAL, HARBOUR]
    assert sorted(row["Connection"] for row in _rows(after_all.text)) == [CANAL, HARBOUR]


def test_a_filtered_push_history_points_at_failures_elsewhere(
    browser: TestClient, two: TwoConnections
) -> None:
    """The first connection's failing pushes never become invisible."""
    two.world.container.ari().submit(
        two.world.organization_id, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "99")]
    )
    with two.world.container.uow_factory()() as uow:
        [push] = uow.outbound.list(connection_id=two.harbour)
        uow.outbound.update(push.fail_permanently("400: rate plan closed"))
        uow.commit()

    page = browser.get(f"/pushes?connection_id={two.canal}")

    warning = elements(html_page(page.text), "//*[@data-testid='failed-elsewhere']")
    assert warning, page.text
    assert "1 failed push on other connections" in warning[0].text_content()
    assert "400: rate plan closed" in browser.get(texts(warning[0], ".//a/@href")[0]).text


def test_the_rates_page_remembers_the_connection_and_hotel(
    browser: TestClient, two: TwoConnections
) -> None:
    newest_by_default = browser.get("/rates")
    assert _selected(newest_by_default.text, "f-connection") == CANAL

    browser.get(f"/rates?connection_id={two.harbour}")
    remembered = browser.get("/rates")
    sync = browser.get("/sync")  # the other pages open on it too
    pushes = browser.get("/pushes")

    assert _selected(remembered.text, "f-connection") == HARBOUR
    assert "Harbour View Hotel" in string(html_page(remembered.text), "//h2")
    assert [c.get("data-testid") for c in elements(html_page(sync.text), "//section")] == [
        "sync-connection"
    ]
    assert HARBOUR in sync.text
    assert _selected(pushes.text, "f-connection") == HARBOUR

    # A new sign-in starts afresh.
    with TestClient(web_app(two.world), base_url="http://testserver.local") as fresh:
        sign_in(fresh, two.world.api_key)
        assert _selected(fresh.get("/rates").text, "f-connection") == CANAL
        assert _selected(fresh.get("/pushes").text, "f-connection") == "All connections"


def _add_hotel(world: World, code: str, name: str) -> UUID:
    """A channel hotel with one room and rate plan, and our property for it; its id."""
    world.channel.add_hotel(
        ExternalCatalog(
            property=ExternalProperty(code, name, "EUR"),
            room_types=(ExternalRoomType("APT", "Apartment", 4),),
            rate_plans=(ExternalRatePlan("FLEX", "Flexible Rate"),),
        )
    )
    inventory = world.container.inventory()
    ours = inventory.create_property(world.organization_id, name, "EUR")
    inventory.create_unit(world.organization_id, ours.id, "Apartment")
    inventory.create_rate_plan(world.organization_id, ours.id, "Flexible", "FLEX")
    return ours.id


def test_the_rates_hotel_is_remembered_per_connection(two: TwoConnections) -> None:
    world = two.world
    annexes = {"5550001": "Annex North", "5550002": "Annex South"}
    ours = {code: _add_hotel(world, code, name) for code, name in annexes.items()}
    both = connect_hotel(world, *annexes)
    for code, prop in ours.items():
        [unit] = world.container.inventory().list_units(world.organization_id, prop)
        map_hotel(world, both, code, prop, "APT", unit.id, "FLEX")

    with TestClient(web_app(world), base_url="http://testserver.local") as client:
        sign_in(client, world.api_key)
        first = client.get(f"/rates?connection_id={both}")
        client.get(f"/rates?connection_id={both}&hotel=5550002")
        elsewhere = client.get(f"/rates?connection_id={two.harbour}")
        not_mapped_there = client.get(f"/rates?connection_id={two.harbour}&hotel=5550001")
        back = client.get(f"/rates?connection_id={both}")

    def heading(page: str) -> str:
        return string(html_page(page), "//h2")

    assert "Annex North" in heading(first.text)
    assert _selected(first.text, "f-hotel") == "Annex North"
    assert "Harbour View Hotel" in heading(elsewhere.text)
    assert not_mapped_there.status_code == 404
    assert "Annex South" in heading(back.text)
    assert _selected(back.text, "f-hotel") == "Annex South"


def test_another_organisations_connection_is_refused_and_not_remembered(
    browser: TestClient, two: TwoConnections
) -> None:
    someone = two.world.container.inventory().ensure_organization("Someone Else")
    _add_hotel(two.world, "9990001", "Someone Else's Inn")
    foreign = connect_hotel(two.world, "9990001", organization_id=someone.id)
    browser.get(f"/pushes?connection_id={two.harbour}")

    for path in ("/pushes", "/messages", "/sync", "/rates", "/sync/runs"):
        answer = browser.get(f"{path}?connection_id={foreign}")
        assert answer.status_code == 404, path
        assert "Someone Else's Inn" not in answer.text

    assert _selected(browser.get("/pushes").text, "f-connection") == HARBOUR
    assert _selected(browser.get("/rates").text, "f-connection") == HARBOUR
    assert str(foreign) not in browser.get("/rates").text
    malformed = browser.get("/pushes?connection_id=not-a-uuid")
    assert malformed.status_code == 422
    assert "Connection is not a valid choice" in malformed.text


def test_a_remembered_connection_that_is_no_longer_ours_is_forgotten(
    browser: TestClient, two: TwoConnections
) -> None:
    _push_on_both(two)
    browser.get(f"/rates?connection_id={two.canal}")
    someone = two.world.container.inventory().ensure_organization("Someone Else")
    with two.world.container.uow_factory()() as uow:
        canal = uow.connections.get(two.canal)
        uow.connections.update(attrs.evolve(canal, organization_id=someone.id))
        uow.commit()

    rates = browser.get("/rates")
    pushes = browser.get("/pushes")

    assert rates.status_code == 200
    assert pushes.status_code == 200
    assert str(two.canal) not in rates.text + pushes.text
    assert "Canal House" not in rates.text + pushes.text
    assert "Harbour View Hotel" in string(html_page(rates.text), "//h2")
    assert [row["Message"].split()[0] for row in _rows(pushes.text)] == ["Harbour"]


def test_a_push_delivered_after_a_retry_reads_as_delivered(
    browser: TestClient, two: TwoConnections
) -> None:
    world = two.world
    world.container.ari().submit(
        world.organization_id, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "99")]
    )
    world.channel.fail_next(GatewayOperation.PUSH_RATES, RetryableChannelError("503 busy"))
    dispatcher = world.container.dispatcher()
    asyncio.run(dispatcher.dispatch_due("test"))
    retrying = browser.get(f"/pushes?connection_id={two.harbour}")
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(hours=1))
    asyncio.run(dispatcher.dispatch_due("test"))

    delivered = browser.get(f"/pushes?connection_id={two.harbour}")

    [row] = elements(html_page(retrying.text), "//tr[@data-push-id]")
    assert elements(row, ".//*[@class='bad']") == []  # not failed: it is tried again
    assert "Last attempt failed: 503 busy" in row.text_content()
    [row] = elements(html_page(delivered.text), "//tr[@data-push-id]")
    assert row.get("class") == "state-delivered"
    assert elements(row, ".//*[@class='bad']") == []
    note = elements(row, ".//*[@data-testid='earlier-failure']")
    assert note
    assert "An earlier attempt failed: 503 busy" in note[0].text_content()


def test_a_queued_push_says_what_it_waits_for(browser: TestClient, two: TwoConnections) -> None:
    world = two.world
    ari = world.container.ari()
    [first] = ari.submit(
        world.organization_id, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "99")]
    )
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(seconds=1))
    [second] = ari.submit(
        world.organization_id, two.harbour, [_rate(HOTEL_CODE, "DBL", "STD", "120", month=3)]
    )
    [elsewhere] = ari.submit(
        world.organization_id, two.canal, [_rate(CANAL_CODE, "TWN", "FLEX", "88")]
    )

    page = browser.get("/pushes")

    document = html_page(page.text)
    [waiting] = elements(document, f"//tr[@data-push-id='{second.id}']//*[@data-testid='waiting']")
    text = " ".join(waiting.text_content().split())
    assert text.startswith(f"Waiting for push #{first.id.hex[:8]}, the earlier push for")
    assert "Harbour View Hotel" in text
    assert texts(waiting, ".//a/@href") == [f"#push-{first.id}"]
    assert elements(document, f"//tr[@id='push-{first.id}']")
    for head in (first, elsewhere):  # nothing before them for their hotel
        assert not elements(document, f"//tr[@data-push-id='{head.id}']//*[@data-testid='waiting']")


def test_the_sync_page_lists_every_connection_and_its_rows_refresh(
    browser: TestClient, two: TwoConnections
) -> None:
    sync = two.world.container.sync()
    harbour_run = sync.request(two.world.organization_id, two.harbour)
    sync.request(two.world.organization_id, two.canal)

    page = browser.get("/sync")
    rows = browser.get("/sync/runs?connection_id=all")
    one = browser.get(f"/sync/runs?connection_id={two.harbour}")
    with two.world.container.uow_factory()() as uow:
        uow.sync_runs.update(harbour_run.finish(two.world.container.clock().now()))
        uow.commit()
    later = browser.get(f"/sync/runs?connection_id={two.harbour}")

    document = html_page(page.text)
    cards = elements(document, "//section[@data-testid='sync-connection']//h2")
    assert [card.text_content() for card in cards] == [CANAL, HARBOUR]
    assert len(elements(document, "//button[starts-with(normalize-space(.), 'Sync now')]")) == 2
    table = elements(document, "//table[@data-live-runs]")[0]
    assert table.get("data-live-runs") == "/sync/runs?connection_id=all"
    assert elements(document, "//script[@src='/static/live.js']")
    assert sorted(row["Connection"] for row in _rows(page.text)) == [CANAL, HARBOUR]
    assert rows.headers["x-fragment"] == "sync-runs"
    assert sorted(re.findall(r'data-run-status="(\w+)"', rows.text)) == ["running", "running"]
    assert re.findall(r'data-run-status="(\w+)"', one.text) == ["running"]
    assert re.findall(r'data-run-status="(\w+)"', later.text) == ["succeeded"]
    # Polling is not choosing: the page's filter stays "All connections".
    assert _selected(browser.get("/sync").text, "f-connection") == "All connections"


def test_one_connection_needs_no_picker(client: TestClient, world: World) -> None:
    connect(world)
    sign_in(client, world.api_key)
    for path in ("/pushes", "/messages", "/sync", "/rates"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'id="f-connection"' not in page.text, path
        assert ">Connection</th>" not in page.text, path
