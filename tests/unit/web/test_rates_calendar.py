"""The rates page reads our calendar (CHANNELS.md "Our calendar is the source of truth"): a
row per unit and per unit and rate plan, any month and any first day, and per cell a mark per
connection holding the values: delivered, queued or failed (linking to the push).

Dates are the injected clock's (``tests.support.clock``), never the real one.
"""

from __future__ import annotations

import asyncio
import calendar
import re
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.channel import (
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
)
from channel_manager.domain.errors import PermanentChannelError
from tests.support.builders import booking
from tests.support.markup import elements, html_page, texts
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.two_connections import CANAL, CANAL_CODE, connect_hotel, later, map_hotel
from tests.unit.web.world import (
    HOTEL_CODE,
    World,
    connect,
    deliver_all,
    other_organization_key,
    web_app,
)

HARBOUR = "Booking.com · Harbour View Hotel"


def _map(client: TestClient[Any], connection_id: str, world: World) -> None:
    """Map the hotel's double room and standard rate to ours; deliver the opening calendar."""
    (plan,) = world.container.inventory().list_rate_plans(world.organization_id, world.property_id)
    page = client.get(f"/connections/{connection_id}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "hotel-0-property": str(world.property_id),
        "hotel-0-sync": "on",
        "hotel-0-room-0": str(world.double_unit_id),
        "hotel-0-rate-0": str(plan.id),
        "_csrf_token": csrf_from(page.text),
    }
    assert "Mapping saved" in client.post(f"/connections/{connection_id}/mapping", data=fields).text
    asyncio.run(deliver_all(world))


@pytest.fixture
def connected(client: TestClient[Any], world: World) -> str:
    connection_id = str(connect(world))
    sign_in(client, world.api_key)
    _map(client, connection_id, world)
    return connection_id


def _today(world: World) -> date:
    return world.container.clock().now().date()  # the world's property is in UTC


def _plan_id(world: World) -> UUID:
    (plan,) = world.container.inventory().list_rate_plans(world.organization_id, world.property_id)
    return plan.id


def _headers(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.api_key}"}


def _change(client: TestClient[Any], world: World, **change: Any) -> dict[str, Any]:
    """``POST /api/v1/calendar/changes`` with one change; the answer's body."""
    body = {"changes": [{"unit_id": str(world.double_unit_id), **change}]}
    answer = client.post("/api/v1/calendar/changes", json=body, headers=_headers(world))
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


class Grid:
    """The rates page's calendar as a person reads it."""

    def __init__(self, html: str) -> None:
        self.document = html_page(html)
        [self.table] = elements(self.document, "//table[contains(@class, 'calendar')]")

    @property
    def nights(self) -> list[date]:
        first = texts(self.table, ".//tbody/tr[1]/td/@data-night")
        return [date.fromisoformat(night) for night in first]

    @property
    def row_names(self) -> list[str]:
        return [Grid.text(th) for th in elements(self.table, ".//tbody/tr/th")]

    def cell(self, row: str, night: date) -> Any:
        """The cell of the row whose header starts with ``row`` on ``night``."""
        for tr in elements(self.table, ".//tbody/tr"):
            if Grid.text(elements(tr, "./th")[0]).startswith(row):
                [cell] = elements(tr, f"./td[@data-night='{night}']")
                return cell
        raise AssertionError(f"no row {row!r} in {self.row_names}")

    @staticmethod
    def marks(cell: Any) -> list[str]:
        return [str(mark.get("aria-label")) for mark in elements(cell, ".//*[@data-mark]")]

    @staticmethod
    def text(cell: Any) -> str:
        return " ".join(" ".join(cell.itertext()).split())


def _page(client: TestClient[Any], query: str) -> Grid:
    answer = client.get(f"/rates?{query}")
    assert answer.status_code == 200, answer.text
    return Grid(answer.text)


def test_the_grid_is_our_calendar_with_every_unit_and_rate_plan(
    client: TestClient[Any], world: World, connected: str
) -> None:
    inventory = world.container.inventory()
    garden = inventory.create_unit(
        world.organization_id, world.property_id, "Garden Suite", count=2
    )
    night = _today(world) + timedelta(days=3)
    # A rate of a unit no channel maps: stored in our calendar, sent nowhere.
    _change(
        client,
        world,
        unit_id=str(garden.id),
        rate_plan_id=str(_plan_id(world)),
        **{"from": str(night), "to": str(night)},
        rate="310.00",
        min_stay=2,
        max_stay=7,
    )
    connection = world.container.queries().connection(world.organization_id, UUID(connected))
    stay = booking("BK-9", hotel_code=HOTEL_CODE, room="DBL", arrival=night, nights=1)
    world.container.intake().apply(connection, stay)
    asyncio.run(deliver_all(world))

    grid = _page(client, f"connection_id={connected}")

    assert grid.row_names == [
        "Double Room rooms left DBL",
        "Double Room · Standard Rate DBL / STD",
        "Garden Suite rooms left not on this connection",
        "Garden Suite · Standard Rate not on this connection",
    ]
    double = grid.cell("Double Room rooms left", night)
    assert Grid.text(double).startswith("3 1 booked")  # 4 rooms, one booked on any channel
    assert Grid.marks(double) == [f"{HARBOUR}: delivered"]
    suite_rate = grid.cell("Garden Suite · Standard Rate", night)
    assert Grid.text(suite_rate) == "310.00 ≥2 ≤7"
    assert Grid.marks(suite_rate) == []  # no connection maps it
    assert Grid.text(grid.cell("Garden Suite rooms left", night)) == "2"


def test_the_grid_shows_a_month_from_today_and_any_month_or_first_day(
    client: TestClient[Any], world: World, connected: str
) -> None:
    today = _today(world)
    opened = client.get(f"/rates?connection_id={connected}").text
    grid = Grid(opened)
    assert grid.nights[0] == today
    assert grid.nights[-1] < today + timedelta(days=31)
    assert len(grid.nights) >= 28
    document = html_page(opened)
    [earlier] = elements(document, "//nav[@aria-label='Months']/a[@rel='prev']")
    [later] = elements(document, "//nav[@aria-label='Months']/a[@rel='next']")
    first = today.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    assert earlier.text_content().strip() == (
        f"← {first:%B %Y}" if today.day != 1 else f"← {(first - timedelta(days=1)):%B %Y}"
    )
    assert later.text_content().strip() == f"{after:%B %Y} →"

    # The next month, whole, and the months picker showing it.
    month = Grid(client.get(str(later.get("href")).replace("?", "/rates?", 1)).text)
    days_in = calendar.monthrange(after.year, after.month)[1]
    assert month.nights == [after + timedelta(days=n) for n in range(days_in)]
    picked = client.get(f"/rates?connection_id={connected}&month={after:%Y-%m}").text
    assert Grid(picked).nights == month.nights
    [chosen] = elements(html_page(picked), "//select[@id='f-month']/option[@selected]")
    assert chosen.get("value") == f"{after:%Y-%m}"
    # Any first day: a month from it.
    day = today + timedelta(days=45)
    from_day = _page(client, f"connection_id={connected}&start={day}")
    assert from_day.nights[0] == day
    assert from_day.nights[-1] < day + timedelta(days=31)
    # The previous month of a month's first day is the month before.
    previous = elements(html_page(picked), "//a[@rel='prev']")[0]
    assert previous.text_content().strip() == f"← {first:%B %Y}"


def test_the_months_pager_stops_at_the_dates_a_form_may_name(
    client: TestClient[Any], connected: str
) -> None:
    first = html_page(client.get(f"/rates?connection_id={connected}&month=2000-01").text)
    last = html_page(client.get(f"/rates?connection_id={connected}&month=2999-12").text)

    assert elements(first, "//a[@rel='prev']") == []
    assert [a.text_content().strip() for a in elements(first, "//a[@rel='next']")] == [
        "February 2000 →"
    ]
    assert elements(last, "//a[@rel='next']") == []
    assert [a.text_content().strip() for a in elements(last, "//a[@rel='prev']")] == [
        "← November 2999"
    ]


@pytest.mark.parametrize("month", ["2028-13", "March", "2028-03-01", "99999999999-01", "1999-12"])
def test_a_bad_month_is_a_readable_error(
    client: TestClient[Any], connected: str, month: str
) -> None:
    answer = client.get(f"/rates?connection_id={connected}&month={month}")

    assert answer.status_code == 422
    assert "Month must" in answer.text


def test_a_change_60_days_ahead_shows_queued_then_delivered(
    client: TestClient[Any], world: World, connected: str
) -> None:
    night = _today(world) + timedelta(days=60)
    queued = _change(
        client,
        world,
        rate_plan_id=str(_plan_id(world)),
        **{"from": str(night), "to": str(night)},  # one month's pushes (rate, restriction)
        rate="135.00",
        closed_to_arrival=True,
    )
    [ours] = queued["pushes"]
    assert ours["connection_id"] == connected

    month = _page(client, f"connection_id={connected}&month={night:%Y-%m}")
    cell = month.cell("Double Room · Standard Rate", night)
    assert Grid.text(cell).startswith("135.00 ⇥")
    assert Grid.marks(cell) == [f"{HARBOUR}: queued"]
    assert "queued" in str(cell.get("class"))
    assert set(str(cell.get("data-pushes")).split()) == set(ours["push_ids"])
    [mark] = elements(cell, ".//*[@data-mark]")
    assert set(str(mark.get("data-pushes")).split()) == set(ours["push_ids"])
    # A night not changed: what the opening calendar delivered, no rate.
    other = night.replace(day=1) if night.day != 1 else night + timedelta(days=1)
    untouched = month.cell("Double Room · Standard Rate", other)
    assert Grid.text(untouched) == ""

    asyncio.run(deliver_all(world))
    delivered = _page(client, f"connection_id={connected}&month={night:%Y-%m}")
    cell = delivered.cell("Double Room · Standard Rate", night)
    assert Grid.text(cell).startswith("135.00 ⇥")
    assert Grid.marks(cell) == [f"{HARBOUR}: delivered"]
    assert "queued" not in str(cell.get("class"))
    assert cell.get("data-pushes") is None


def test_a_failed_push_is_a_mark_linking_to_that_push(
    client: TestClient[Any], world: World, connected: str
) -> None:
    night = _today(world) + timedelta(days=60)
    world.channel.fail_next(
        GatewayOperation.PUSH_RATES, PermanentChannelError("400", "rate plan closed")
    )
    queued = _change(
        client,
        world,
        rate_plan_id=str(_plan_id(world)),
        **{"from": str(night), "to": str(night)},
        rate="99.00",
    )
    [push_id] = queued["pushes"][0]["push_ids"]
    asyncio.run(deliver_all(world))

    grid = _page(client, f"connection_id={connected}&start={night}")
    cell = grid.cell("Double Room · Standard Rate", night)

    assert Grid.text(cell).startswith("99.00")  # our value, which the channel does not hold
    assert "not-sent" in str(cell.get("class"))
    [link] = elements(cell, ".//a[@data-mark]")
    assert link.get("aria-label") == f"{HARBOUR}: failed"
    assert link.get("href") == f"/pushes?connection_id={connected}&push={push_id}#push-{push_id}"
    history = client.get(str(link.get("href")).split("#")[0])
    assert history.status_code == 200
    rows = elements(html_page(history.text), "//tbody/tr[@data-push-id]")
    assert [row.get("data-push-id") for row in rows] == [push_id]
    assert "400: rate plan closed" in rows[0].text_content()


def test_a_push_filter_of_another_organisation_is_not_found(
    client: TestClient[Any], world: World, connected: str
) -> None:
    night = _today(world) + timedelta(days=60)
    queued = _change(client, world, **{"from": str(night), "to": str(night)}, availability=1)
    [push_id, *_] = queued["pushes"][0]["push_ids"]
    with TestClient(web_app(world), base_url="http://testserver.local") as stranger:
        sign_in(stranger, other_organization_key(world))
        assert stranger.get(f"/pushes?push={push_id}").status_code == 404
    assert client.get("/pushes?push=not-an-id").status_code == 422


def test_every_connection_mapping_the_unit_has_its_own_mark(
    client: TestClient[Any], world: World, connected: str
) -> None:
    """A second connection holding another hotel mapped to the same unit and rate plan."""
    world.channel.add_hotel(
        ExternalCatalog(
            property=ExternalProperty(CANAL_CODE, "Canal House", "EUR"),
            room_types=(ExternalRoomType("TWN", "Twin Room", 2),),
            rate_plans=(ExternalRatePlan("FLEX", "Flexible Rate"),),
        )
    )
    later(world)
    second = connect_hotel(world, CANAL_CODE)
    map_hotel(world, second, CANAL_CODE, world.property_id, "TWN", world.double_unit_id, "FLEX")
    night = _today(world) + timedelta(days=10)
    world.channel.fail_next(GatewayOperation.PUSH_RATES, PermanentChannelError("400", "closed"))
    _change(
        client,
        world,
        rate_plan_id=str(_plan_id(world)),
        **{"from": str(night), "to": str(night)},
        rate="150.00",
    )
    asyncio.run(deliver_all(world))

    grid = _page(client, f"connection_id={connected}&start={night}")
    marks = Grid.marks(grid.cell("Double Room · Standard Rate", night))

    states = dict(mark.rsplit(": ", 1) for mark in marks)
    assert set(states) == {HARBOUR, CANAL}
    assert sorted(states.values()) == ["delivered", "failed"]  # one of them refused it


def test_an_overbooked_night_is_marked_and_links_to_the_alerts(
    client: TestClient[Any], world: World, connected: str
) -> None:
    night = _today(world) + timedelta(days=9)
    connection = world.container.queries().connection(world.organization_id, UUID(connected))
    for n in range(5):  # the double room has 4 rooms
        stay = booking(f"BK-{n}", hotel_code=HOTEL_CODE, room="DBL", arrival=night, nights=1)
        world.container.intake().apply(connection, stay)

    grid = _page(client, f"connection_id={connected}&start={night - timedelta(days=1)}")

    [mark] = elements(grid.cell("Double Room rooms left", night), ".//*[@data-testid='overbooked']")
    assert Grid.text(mark) == "5 booked: overbooked"
    assert mark.get("href") == "/overbookings"
    before = grid.cell("Double Room rooms left", night - timedelta(days=1))
    assert not elements(before, ".//*[@data-testid='overbooked']")
