"""The rates form: preview and push refuse the same rates with the same words, the rate field
says how many decimals the hotel's currency takes, and a push is followed to its outcome
(the rates page lists the queued pushes; ``/rates/push-states`` answers their states).
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.errors import PermanentChannelError
from tests.support.clock import next_year
from tests.support.markup import elements, html_page
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import (
    HOTEL_CODE,
    World,
    connect,
    deliver_all,
    other_organization_key,
    seeded_catalog,
    web_app,
)


def _map(client: TestClient[Any], world: World, connection_id: str, property_id: UUID) -> None:
    """Map Booking.com's hotel to ``property_id``: its first unit and first rate plan."""
    inventory = world.container.inventory()
    (unit, *_) = inventory.list_units(world.organization_id, property_id)
    (plan, *_) = inventory.list_rate_plans(world.organization_id, property_id)
    page = client.get(f"/connections/{connection_id}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "hotel-0-property": str(property_id),
        "hotel-0-sync": "on",
        "hotel-0-room-0": str(unit.id),
        "hotel-0-rate-0": str(plan.id),
        "_csrf_token": csrf_from(page.text),
    }
    saved = client.post(f"/connections/{connection_id}/mapping", data=fields)
    assert "Mapping saved" in saved.text
    asyncio.run(deliver_all(world))  # the calendar the mapping sent: not what these tests see


@pytest.fixture
def connected(client: TestClient[Any], world: World) -> str:
    """Signed in; the hotel mapped to the world's EUR property. The connection's id."""
    connection_id = str(connect(world))
    sign_in(client, world.api_key)
    _map(client, world, connection_id, world.property_id)
    return connection_id


def _post(client: TestClient[Any], connection_id: str, action: str, **fields: str) -> Any:
    csrf = csrf_from(client.get(f"/rates?connection_id={connection_id}").text)
    form = {
        "_csrf_token": csrf,
        "hotel": HOTEL_CODE,
        "room_type_code": "DBL",
        "rate_plan_code": "STD",
        "start": next_year(2, 1).isoformat(),
        "end": next_year(2, 3).isoformat(),
        "action": action,
        **fields,
    }
    return client.post(f"/connections/{connection_id}/rates", data=form, follow_redirects=False)


def _error(page: str) -> str:
    """The form's error message as the page shows it."""
    found = elements(html_page(page), "//*[@id='rates-error']")
    assert found, "the page shows no form error"
    return " ".join(found[0].text_content().split())


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("0", "Rate must be more than zero, got 0 EUR"),
        ("-5", "Rate must be more than zero, got -5 EUR"),
        ("120.505", "Rate 120.505 has too many decimals (EUR: up to 2 decimals)"),
        ("1000000000", "Rate must be less than 1,000,000,000 EUR"),
        ("ten", "Rate must be an amount like 120.00"),
        ("1e3", "Rate must be an amount like 120.00"),
        ("\uff11\uff12", "Rate must be an amount like 120.00"),  # fullwidth digits
    ],
)
def test_preview_and_push_refuse_a_rate_alike(
    client: TestClient[Any], world: World, connected: str, rate: str, message: str
) -> None:
    queued = world.container.dispatcher().list(world.organization_id)
    answers = {
        action: _post(client, connected, action, rate=rate) for action in ("preview", "push")
    }

    for action, answer in answers.items():
        assert answer.status_code == 422, (action, answer.status_code)
        assert message in _error(answer.text), action
        assert "would be sent" not in answer.text, action
    assert _error(answers["preview"].text) == _error(answers["push"].text)
    assert world.container.dispatcher().list(world.organization_id) == queued


def test_the_rate_field_names_the_currencys_decimals(
    client: TestClient[Any], connected: str
) -> None:
    page = client.get(f"/rates?connection_id={connected}").text
    field = html_page(page).get_element_by_id("f-rate")

    assert field.get("aria-describedby") == "f-rate-rule"
    assert field.get("placeholder") == "120.00"
    assert "EUR: up to 2 decimals" in page


def test_a_yen_hotel_takes_whole_amounts_only(client: TestClient[Any], world: World) -> None:
    inventory = world.container.inventory()
    yen = inventory.create_property(world.organization_id, "Kyoto Annex", "JPY")
    # Booking.com's hotel sells in yen too: a hotel maps only to a property in its currency.
    seeded = seeded_catalog()
    world.channel.add_hotel(
        attrs.evolve(seeded, property=attrs.evolve(seeded.property, currency="JPY"))
    )
    inventory.create_unit(world.organization_id, yen.id, "Tatami Room", count=2)
    inventory.create_rate_plan(world.organization_id, yen.id, "Standard Rate", "STD")
    connection_id = str(connect(world))
    sign_in(client, world.api_key)
    _map(client, world, connection_id, yen.id)

    page = client.get(f"/rates?connection_id={connection_id}").text
    assert "JPY: whole amounts, no decimals" in page
    assert html_page(page).get_element_by_id("f-rate").get("placeholder") == "12000"
    for action in ("preview", "push"):
        refused = _post(client, connection_id, action, rate="12000.5")
        assert refused.status_code == 422, action
        assert "(JPY: whole amounts, no decimals)" in _error(refused.text), action
    previewed = _post(client, connection_id, "preview", rate="12000")
    assert previewed.status_code == 200
    assert "12,000 JPY" in html.unescape(previewed.text)


def _followed(client: TestClient[Any], connection_id: str, **fields: str) -> tuple[str, str]:
    """Push through the form; the rates page it returns to and the ids it follows."""
    pushed = _post(client, connection_id, "push", **fields)
    assert pushed.status_code == 303, pushed.text
    location = pushed.headers["location"]
    assert location.startswith("/rates?")
    page = client.get(location).text
    tracker = elements(html_page(page), "//*[@data-testid='push-tracker']")
    assert tracker, "the rates page does not follow the push"
    url = tracker[0].get("data-states-url")
    return page, url


def test_a_push_returns_to_the_grid_which_follows_it_until_delivered(
    client: TestClient[Any], world: World, connected: str
) -> None:
    page, states_url = _followed(client, connected, rate="99.50", availability="3")

    assert "Queued 2 push(es) for Booking.com" in page
    assert "Sending: 0 of 2 delivered so far." in page
    ids = states_url.split("ids=")[1].split(",")
    # The grid's cells for those days carry the ids of the pushes still open for them.
    cells = elements(html_page(page), "//td[@data-pushes]")
    assert cells
    assert {i for cell in cells for i in cell.get("data-pushes").split()} == set(ids)

    waiting = client.get(states_url).json()
    assert waiting["finished"] is False
    assert [p["state"] for p in waiting["pushes"]] == ["pending", "pending"]

    asyncio.run(world.container.dispatcher().dispatch_due("test"))
    done = client.get(states_url)

    assert done.headers["cache-control"] == "no-store"
    answer = done.json()
    assert answer["finished"] is True
    assert answer["summary"] == "All 2 delivered: Booking.com confirmed the new values."
    assert {p["id"] for p in answer["pushes"]} == set(ids)
    assert all(p["state"] == "delivered" and p["confirmation"] for p in answer["pushes"])


def test_a_failed_push_is_reported_with_the_channels_words(
    client: TestClient[Any], world: World, connected: str
) -> None:
    _page, states_url = _followed(client, connected, rate="99.50")
    world.channel.fail_next(
        GatewayOperation.PUSH_RATES, PermanentChannelError("400", "rate plan closed")
    )
    asyncio.run(world.container.dispatcher().dispatch_due("test"))

    answer = client.get(states_url).json()

    assert answer["finished"] is True
    assert answer["summary"].startswith("1 of 1 failed")
    (push,) = answer["pushes"]
    assert push["state"] == "failed"
    assert "rate plan closed" in push["last_error"]
    # Drawn again, the page says the same without the script.
    again = client.get(f"/rates?connection_id={connected}&pushes={push['id']}").text
    assert "1 of 1 failed" in again
    assert "rate plan closed" in again


def test_push_states_are_the_organisations_own_and_answer_json_errors(
    world: World, client: TestClient[Any], connected: str
) -> None:
    _page, states_url = _followed(client, connected, rate="99.50")

    bad = client.get("/rates/push-states?ids=not-an-id")
    unknown = client.get(f"/rates/push-states?ids={uuid4()}")
    too_many = client.get("/rates/push-states?ids=" + ",".join(str(uuid4()) for _ in range(61)))

    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "pushes must be push ids separated by commas"
    assert unknown.status_code == 404
    assert "error" in unknown.json()
    assert too_many.status_code == 422
    with TestClient(web_app(world), base_url="http://testserver.local") as stranger:
        sign_in(stranger, other_organization_key(world))
        foreign = stranger.get(states_url)
        assert foreign.status_code == 404
        assert "pushes" not in foreign.json()
    with TestClient(web_app(world), base_url="http://testserver.local") as nobody:
        assert nobody.get(states_url).status_code == 401


def test_a_bad_pushes_parameter_on_the_rates_page_is_a_readable_error(
    client: TestClient[Any], connected: str
) -> None:
    answer = client.get(f"/rates?connection_id={connected}&pushes=nonsense")

    assert answer.status_code == 422
    assert "pushes must be push ids separated by commas" in answer.text
