"""``POST /api/v1/connections/{id}/resync`` and ``GET /api/v1/connections/{id}/drift``: send a
window of our calendar again to one connection, and list what it may not hold; scoped to the
caller's organisation, with clear 4xx answers, and documented."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import FakeChannel, FakeGatewayFactory
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import HOTEL, ROOM_DOUBLE, catalog
from tests.support.clock import MovableClock, next_year
from tests.support.containers import app_container
from tests.unit.api.test_calendar_api import Hotel

NIGHT = next_year(4, 1)
LAST = NIGHT + timedelta(days=2)
WINDOW = {"from": NIGHT.isoformat(), "to": LAST.isoformat()}


@pytest.fixture
def hotel() -> Iterator[Hotel]:
    channel = FakeChannel()
    channel.add_hotel(catalog())
    container = app_container(channel)
    container.clock.override(providers.Object(MovableClock()))
    with TestClient(build_asgi_app(container)) as client:
        yield Hotel(client, container)


def _deliver(hotel: Hotel) -> None:
    dispatcher = hotel.container.dispatcher()
    while asyncio.run(dispatcher.dispatch_due("w1", limit=100)):
        pass


def _resync(hotel: Hotel, body: object, headers: dict[str, str] | None = None) -> Any:
    return hotel.post(f"/api/v1/connections/{hotel.connection}/resync", body, headers)


def _drift(hotel: Hotel, params: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    return hotel.client.get(
        f"/api/v1/connections/{hotel.connection}/drift",
        params=params,
        headers=headers or hotel.headers,
    )


def test_a_resync_queues_the_window_and_drift_follows_its_delivery(hotel: Hotel) -> None:
    set_rate = hotel.change(
        {"unit_id": hotel.unit_id, "rate_plan_id": hotel.rate_plan_id, "from": NIGHT.isoformat(),
         "to": NIGHT.isoformat(), "rate": "99.5"},
    )  # fmt: skip
    assert set_rate.status_code == 202, set_rate.text
    _deliver(hotel)

    answer = _resync(hotel, WINDOW)

    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["connection_id"], body["first_night"], body["last_night"]) == (
        hotel.connection,
        NIGHT.isoformat(),
        LAST.isoformat(),
    )
    pushes = [
        hotel.client.get(f"/api/v1/pushes/{push_id}", headers=hotel.headers).json()
        for push_id in body["push_ids"]
    ]
    assert {(p["message"], p["state"], p["connection_id"]) for p in pushes} == {
        ("OTA_HotelAvailNotifRQ", "pending", hotel.connection),
        ("OTA_HotelRateAmountNotifRQ", "pending", hotel.connection),
    }
    queued = _drift(hotel, WINDOW)
    assert queued.status_code == 200, queued.text
    report = queued.json()
    assert (report["connection_id"], report["channel"], report["readback"]) == (
        hotel.connection,
        "booking",
        "compared",
    )
    delivery = [d for d in report["differences"] if d["reason"] == "queued"]
    assert {(d["night"], d["field"]) for d in delivery} == {
        *((night.isoformat(), "availability") for night in (NIGHT, NIGHT + timedelta(1), LAST)),
        (NIGHT.isoformat(), "rate"),
    }
    assert all(d["push_id"] in body["push_ids"] for d in delivery)

    _deliver(hotel)
    assert _drift(hotel, WINDOW).json()["differences"] == []
    gateways: object = hotel.container.gateways()  # the fake the tests put there
    assert isinstance(gateways, FakeGatewayFactory)
    channel = gateways.channel
    assert isinstance(channel, FakeChannel)
    channel.availability[(HOTEL, ROOM_DOUBLE, LAST)] = 0
    [difference] = _drift(hotel, WINDOW).json()["differences"]
    assert difference == {
        "unit_id": hotel.unit_id,
        "unit_name": difference["unit_name"],
        "rate_plan_id": None,
        "rate_plan_name": None,
        "hotel_code": HOTEL,
        "room_type_code": ROOM_DOUBLE,
        "rate_plan_code": None,
        "night": LAST.isoformat(),
        "field": "availability",
        "ours": "1",
        "theirs": "0",
        "reason": "channel_differs",
        "push_id": None,
    }


def test_bad_requests_are_answered_with_a_reason(hotel: Hotel) -> None:
    today = hotel.container.clock().now().date()
    cases: list[tuple[object, int, str]] = [
        ({"from": NIGHT.isoformat()}, 400, "validation_error"),
        ({**WINDOW, "nights": 3}, 400, "validation_error"),
        ({"from": "tomorrow", "to": LAST.isoformat()}, 400, "validation_error"),
        ({"from": LAST.isoformat(), "to": NIGHT.isoformat()}, 400, "invalid_window"),
        (
            {"from": NIGHT.isoformat(), "to": (NIGHT + timedelta(days=400)).isoformat()},
            400,
            "invalid_window",
        ),
        (
            {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()},
            422,
            "invalid_date_range",
        ),
    ]
    for body, status, kind in cases:
        answer = _resync(hotel, body)
        assert (answer.status_code, answer.json()["error"]["type"]) == (status, kind), body
        assert answer.json()["error"]["message"]
        if isinstance(body, dict) and kind not in {"validation_error"}:
            drift = _drift(hotel, body)
            assert (drift.status_code, drift.json()["error"]["type"]) == (status, kind)
    missing = _drift(hotel, {"from": NIGHT.isoformat()})
    assert missing.status_code == 400
    assert "'to'" in missing.json()["error"]["message"]
    assert hotel.new_pushes() == []


def test_other_organisations_and_revoked_connections_are_refused(hotel: Hotel) -> None:
    assert _resync(hotel, WINDOW, hotel.other_headers).status_code == 404
    assert _drift(hotel, WINDOW, hotel.other_headers).status_code == 404
    base = f"/api/v1/connections/{hotel.connection}"
    assert hotel.client.post(f"{base}/resync", json=WINDOW).status_code == 401
    assert hotel.client.get(f"{base}/drift", params=WINDOW).status_code == 401
    disconnected = hotel.client.delete(
        f"/api/v1/connections/{hotel.connection}", headers=hotel.headers
    )
    assert disconnected.status_code == 200, disconnected.text

    refused = _resync(hotel, WINDOW)

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["type"] == "connection_not_active"
    assert "revoked" in refused.json()["error"]["message"]
    # The record can still be read; the channel is not asked.
    assert _drift(hotel, WINDOW).json()["readback"] == "connection_not_active"
    assert hotel.new_pushes() == []


def test_the_repair_routes_are_documented(hotel: Hotel) -> None:
    document = hotel.client.get("/openapi.json").json()
    resync = document["paths"]["/api/v1/connections/{connection_id}/resync"]["post"]
    assert {"202", "400", "401", "404", "409", "422"} <= set(resync["responses"])
    schema = document["components"]["schemas"]["ResyncBody"]
    assert set(schema["required"]) == {"from", "to"}
    drift = document["paths"]["/api/v1/connections/{connection_id}/drift"]["get"]
    assert {p["name"] for p in drift["parameters"]} >= {"from", "to"}
    assert {"200", "400", "404", "502"} <= set(drift["responses"])
