"""``/api/v1/calendar``: our calendar over the JSON API, scoped to the caller's organisation,
with clear 4xx answers and documented in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, catalog
from tests.support.clock import MovableClock, next_year
from tests.support.containers import app_container

NIGHT = next_year(4, 1)


class Hotel:
    """An organisation with a connected, mapped hotel (one unit, one rate plan), and a second
    organisation with a key of its own."""

    def __init__(self, client: TestClient[Any], container: Container) -> None:
        self.client = client
        self.container = container
        inventory = container.inventory()
        keys = container.api_keys()
        self.org = inventory.ensure_organization("Canal Hotels")
        self.other = inventory.ensure_organization("Intruders")
        self.headers = {"Authorization": f"Bearer {keys.issue(self.org.id, 'tests').plaintext}"}
        self.other_headers = {
            "Authorization": f"Bearer {keys.issue(self.other.id, 'tests').plaintext}"
        }
        self.connection = self._connect()
        self.property_id = self.post(
            "/api/v1/properties", {"name": "Canal House", "currency": "EUR"}
        ).json()["id"]
        saved = self.client.put(
            f"/api/v1/connections/{self.connection}/mappings",
            json={
                "hotels": [
                    {
                        "external_property_id": HOTEL,
                        "internal_property_id": self.property_id,
                        "units": [{"external_room_type_id": ROOM_DOUBLE, "create_unit": True}],
                        "rate_plans": [
                            {"external_rate_plan_id": RATE_STANDARD, "create_rate_plan": True}
                        ],
                    }
                ]
            },
            headers=self.headers,
        )
        assert saved.status_code == 200, saved.text
        [room] = [r for r in saved.json()[0]["room_types"] if r["mapped_unit_id"]]
        [plan] = saved.json()[0]["rate_plans"]
        self.unit_id, self.rate_plan_id = room["mapped_unit_id"], plan["mapped_rate_plan_id"]
        # The year of availability the mapping queued, which the tests look past.
        self.opening = {
            p["id"] for p in self.client.get("/api/v1/pushes", headers=self.headers).json()
        }

    def new_pushes(self) -> list[Any]:
        """The pushes queued since the mapping (not its opening calendar)."""
        pushes = self.client.get("/api/v1/pushes", headers=self.headers).json()
        return [p for p in pushes if p["id"] not in self.opening]

    def _connect(self) -> str:
        out = self.client.get("/connect/booking", headers=self.headers, follow_redirects=False)
        flow = self.container.authorizers()[AuthMode.OAUTH2]
        assert isinstance(flow, FakeOAuth2Authorizer)
        params = flow.approve(out.headers["location"])
        back = self.client.get(
            "/oauth/booking/callback",
            params=params,
            headers={"Accept": "application/json", **self.headers},
        )
        assert back.status_code == 200, back.text
        return str(back.json()["connection_id"])

    def post(self, path: str, body: object, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(path, json=body, headers=headers or self.headers)

    def change(self, *changes: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.post("/api/v1/calendar/changes", {"changes": list(changes)}, headers)

    def read(self, start: str, end: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(
            "/api/v1/calendar",
            params={"property_id": self.property_id, "from": start, "to": end},
            headers=headers or self.headers,
        )


@pytest.fixture
def hotel() -> Iterator[Hotel]:
    channel = FakeChannel()
    channel.add_hotel(catalog())
    container = app_container(channel)
    container.clock.override(providers.Object(MovableClock()))
    with TestClient(build_asgi_app(container)) as client:
        yield Hotel(client, container)


def test_a_change_is_queued_per_connection_and_read_back(hotel: Hotel) -> None:
    last = NIGHT + timedelta(days=1)
    answer = hotel.change(
        {"unit_id": hotel.unit_id, "from": NIGHT.isoformat(), "to": last.isoformat(),
         "availability": 2, "stop_sell": False},
        {"unit_id": hotel.unit_id, "rate_plan_id": hotel.rate_plan_id, "from": NIGHT.isoformat(),
         "to": NIGHT.isoformat(), "rate": "120.5", "currency": "EUR", "min_stay": 2},
    )  # fmt: skip

    assert answer.status_code == 202, answer.text
    [queued] = answer.json()["pushes"]
    assert queued["connection_id"] == hotel.connection
    assert len(queued["push_ids"]) == 2  # availability and rates of one hotel-month
    by_message = {}
    for push_id in queued["push_ids"]:
        push = hotel.client.get(f"/api/v1/pushes/{push_id}", headers=hotel.headers).json()
        assert push["state"] == "pending"
        by_message[push["message"]] = push_id
    read = hotel.read(NIGHT.isoformat(), (NIGHT + timedelta(days=2)).isoformat())
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["property_id"], body["currency"]) == (hotel.property_id, "EUR")
    assert (body["first_night"], body["last_night"]) == (
        NIGHT.isoformat(),
        (NIGHT + timedelta(days=2)).isoformat(),
    )
    [unit] = body["units"]
    assert [
        (n["rooms_to_sell"], n["rooms_booked"], n["availability"], n["stop_sell"])
        for n in unit["nights"]
    ] == [(2, 0, 2, False), (2, 0, 2, False), (None, 0, 1, None)]
    assert unit["nights"][0]["channels"] == [
        {
            "connection_id": hotel.connection,
            "channel": "booking",
            "state": "queued",
            "push_ids": [by_message["OTA_HotelAvailNotifRQ"]],
            # What the channel receives (no rules on this connection: our values).
            "rate": None,
            "availability": 2,
            "stop_sell": False,
        }
    ]
    [plan] = unit["rate_plans"]
    assert plan["rate_plan_id"] == hotel.rate_plan_id
    first = plan["nights"][0]
    assert (first["rate"], first["currency"], first["min_stay"]) == ("120.50", "EUR", 2)
    assert first["channels"][0]["state"] == "queued"
    assert first["channels"][0]["push_ids"] == sorted(queued["push_ids"])  # rate and min stay
    assert plan["nights"][1]["rate"] is None


def test_another_organisations_ids_are_not_found(hotel: Hotel) -> None:
    change = {"unit_id": hotel.unit_id, "from": NIGHT.isoformat(), "to": NIGHT.isoformat()}
    refused = hotel.change({**change, "availability": 1}, headers=hotel.other_headers)
    assert refused.status_code == 404, refused.text
    assert refused.json()["error"]["type"] == "not_found"
    theirs = hotel.post(
        "/api/v1/properties", {"name": "Theirs", "currency": "EUR"}, hotel.other_headers
    ).json()["id"]
    their_unit = hotel.post(
        f"/api/v1/properties/{theirs}/units", {"name": "X"}, hotel.other_headers
    ).json()["id"]
    # Their unit with our rate plan: the plan is not theirs to use.
    mixed = hotel.change(
        {**change, "unit_id": their_unit, "rate_plan_id": hotel.rate_plan_id, "rate": "10"},
        headers=hotel.other_headers,
    )
    assert mixed.status_code == 404, mixed.text
    read = hotel.read(NIGHT.isoformat(), NIGHT.isoformat(), hotel.other_headers)
    assert read.status_code == 404
    assert hotel.new_pushes() == []


def test_bad_requests_are_answered_with_a_reason(hotel: Hotel) -> None:
    day = NIGHT.isoformat()
    base = {"unit_id": hotel.unit_id, "from": day, "to": day}
    too_long = hotel.read(day, (NIGHT + timedelta(days=400)).isoformat())
    assert too_long.status_code == 400
    assert too_long.json()["error"]["type"] == "invalid_window"
    assert "400 nights" in too_long.json()["error"]["message"]
    reversed_window = hotel.read(day, (NIGHT - timedelta(days=1)).isoformat())
    assert reversed_window.status_code == 400
    missing = hotel.client.get("/api/v1/calendar", params={"from": day}, headers=hotel.headers)
    assert missing.status_code == 400  # which property?
    month = hotel.client.get(
        "/api/v1/calendar", params={"property_id": hotel.property_id}, headers=hotel.headers
    )
    assert month.status_code == 200  # from the property's today, a month
    assert len(month.json()["units"][0]["nights"]) == 31
    for body, status, words in (
        ({**base, "availability": -1}, 400, "availability"),
        ({**base, "bogus": 1}, 400, "bogus"),
        ({**base, "from": "not a date", "stop_sell": True}, 400, "from"),
        ({**base, "rate": "99.999", "rate_plan_id": hotel.rate_plan_id}, 422, "decimals"),
        ({**base, "rate": "99"}, 422, "rate_plan_id"),
        ({**base, "availability": 1, "rate_plan_id": hotel.rate_plan_id}, 422, "per unit"),
        ({**base, "to": (NIGHT - timedelta(days=1)).isoformat(), "stop_sell": True}, 422, "before"),
        ({**base}, 422, "at least one"),
    ):
        answer = hotel.change(body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["error"]["message"], answer.text
    empty = hotel.post("/api/v1/calendar/changes", {"changes": []})
    assert empty.status_code == 400
    assert hotel.new_pushes() == []


def test_the_calendar_is_documented(hotel: Hotel) -> None:
    document = hotel.client.get("/openapi.json").json()
    read = document["paths"]["/api/v1/calendar"]["get"]
    assert {p["name"] for p in read["parameters"]} >= {"property_id", "from", "to"}
    assert {"200", "400", "401", "404"} <= set(read["responses"])
    change = document["paths"]["/api/v1/calendar/changes"]["post"]
    assert {"202", "400", "404", "422"} <= set(change["responses"])
    schema = document["components"]["schemas"]["CalendarChangeBody"]
    assert {"unit_id", "rate_plan_id", "from", "to", "rate", "availability"} <= set(
        schema["properties"]
    )
    assert set(schema["required"]) == {"unit_id", "from", "to"}
