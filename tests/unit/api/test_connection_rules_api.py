"""``GET``/``PUT /api/v1/connections/{id}/rules``: a connection's markup, cap and stop-sell,
re-published at once, shown in the calendar as what the channel receives; scoped to the
caller's organisation, with clear 4xx answers, and documented."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, catalog
from tests.support.clock import MovableClock, shifted_today
from tests.support.containers import app_container
from tests.unit.api.test_calendar_api import Hotel

#: Ten weeks ahead: inside the year a change of rules re-sends, on every day of the date sweep.
NIGHT = shifted_today() + timedelta(days=70)


@pytest.fixture
def channel() -> FakeChannel:
    made = FakeChannel()
    made.add_hotel(catalog())
    return made


@pytest.fixture
def hotel(channel: FakeChannel) -> Iterator[Hotel]:
    container = app_container(channel)
    container.clock.override(providers.Object(MovableClock()))
    with TestClient(build_asgi_app(container)) as client:
        yield Hotel(client, container)


def _deliver(hotel: Hotel) -> None:
    dispatcher = hotel.container.dispatcher()
    while asyncio.run(dispatcher.dispatch_due("w1", limit=100)):
        pass


def _rules(hotel: Hotel) -> str:
    return f"/api/v1/connections/{hotel.connection}/rules"


def _put(hotel: Hotel, body: object, headers: dict[str, str] | None = None) -> Any:
    return hotel.client.put(_rules(hotel), json=body, headers=headers or hotel.headers)


def test_rules_are_read_set_and_show_in_the_calendar(hotel: Hotel, channel: FakeChannel) -> None:
    read = hotel.client.get(_rules(hotel), headers=hotel.headers)
    assert read.status_code == 200, read.text
    assert read.json() == {
        "connection_id": hotel.connection,
        "price_modifier": None,
        "availability_cap": None,
        "stop_sell": False,
        "republished_from": None,
        "republished_to": None,
        "push_ids": [],
    }
    changed = _put(
        hotel, {"price_modifier": {"percent": "15"}, "availability_cap": 1, "stop_sell": False}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["price_modifier"] == {"percent": "15", "amount": None}
    assert body["availability_cap"] == 1
    assert body["push_ids"]  # the coming year went out again, capped
    assert {p["id"] for p in hotel.new_pushes()} == set(body["push_ids"])
    again = hotel.client.get(_rules(hotel), headers=hotel.headers).json()
    assert again["price_modifier"] == {"percent": "15", "amount": None}

    posted = hotel.post(
        "/api/v1/calendar/changes",
        {
            "changes": [
                {
                    "unit_id": hotel.unit_id,
                    "rate_plan_id": hotel.rate_plan_id,
                    "from": NIGHT.isoformat(),
                    "to": NIGHT.isoformat(),
                    "rate": "100.00",
                }
            ]
        },
    )
    assert posted.status_code in (200, 202), posted.text
    calendar = hotel.client.get(
        "/api/v1/calendar",
        params={
            "property_id": hotel.property_id,
            "from": NIGHT.isoformat(),
            "to": NIGHT.isoformat(),
        },
        headers=hotel.headers,
    ).json()
    [unit] = calendar["units"]
    [night] = unit["nights"]
    [sent] = night["channels"]
    assert (night["availability"], sent["availability"]) == (unit["count"], 1)
    [rate_night] = unit["rate_plans"][0]["nights"]
    [rate_channel] = rate_night["channels"]
    assert (rate_night["rate"], rate_channel["rate"]) == ("100.00", "115.00")
    _deliver(hotel)
    assert str(channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)].amount) == "115.00"
    assert channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] == 1


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"price_modifier": {"percent": "15", "amount": "5"}}, 422, "exactly one"),
        ({"price_modifier": {}}, 422, "exactly one"),
        ({"price_modifier": {"percent": "abc"}}, 422, "not a number"),
        ({"price_modifier": {"percent": "-100"}}, 422, "-99 to 1000"),
        ({"price_modifier": {"amount": "5.123456"}}, 422, "decimals"),
        ({"availability_cap": -1}, 422, "availability_cap"),
        ({"availability_cap": [3]}, 400, "availability_cap"),
        ({"stop_sell": [True]}, 400, "stop_sell"),
        ({"markup": "15"}, 400, "markup"),
    ],
)
def test_bad_rules_are_answered_with_a_reason_and_change_nothing(
    hotel: Hotel, body: object, status: int, words: str
) -> None:
    answer = _put(hotel, body)
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert hotel.client.get(_rules(hotel), headers=hotel.headers).json()["stop_sell"] is False
    assert hotel.new_pushes() == []


def test_another_organisations_connection_is_not_found(hotel: Hotel) -> None:
    assert hotel.client.get(_rules(hotel), headers=hotel.other_headers).status_code == 404
    refused = _put(hotel, {"stop_sell": True}, hotel.other_headers)
    assert refused.status_code == 404, refused.text
    assert hotel.client.get(_rules(hotel)).status_code == 401
    assert hotel.client.get(_rules(hotel), headers=hotel.headers).json()["stop_sell"] is False


def test_the_rules_routes_are_documented(hotel: Hotel) -> None:
    document = hotel.client.get("/openapi.json").json()
    path = document["paths"]["/api/v1/connections/{connection_id}/rules"]
    assert {"200", "401", "404"} <= set(path["get"]["responses"])
    assert {"200", "400", "401", "404", "422"} <= set(path["put"]["responses"])
