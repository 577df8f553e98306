"""The JSON API's contract: every DESIGN §7 path, bearer keys per organisation, JSON errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import (
    FakeChannel,
    FakeGatewayFactory,
    GatewayOperation,
)
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, booking, catalog
from tests.support.clock import MovableClock, next_year
from tests.support.containers import app_container, make_settings

DESIGN_PATHS = {
    ("get", "/api/v1/connections"),
    ("get", "/api/v1/connections/{connection_id}"),
    ("delete", "/api/v1/connections/{connection_id}"),
    ("post", "/api/v1/connections/{connection_id}/sync"),
    ("get", "/api/v1/sync-runs/{run_id}"),
    ("get", "/api/v1/connections/{connection_id}/sync-runs"),
    ("get", "/api/v1/connections/{connection_id}/properties"),
    ("put", "/api/v1/connections/{connection_id}/mappings"),
    ("get", "/api/v1/properties"),
    ("post", "/api/v1/properties"),
    ("get", "/api/v1/properties/{property_id}/units"),
    ("post", "/api/v1/properties/{property_id}/units"),
    ("get", "/api/v1/reservations"),
    ("get", "/api/v1/reservations/{reservation_id}"),
    ("post", "/api/v1/connections/{connection_id}/ari"),
    ("get", "/api/v1/pushes/{push_id}"),
    ("get", "/api/v1/connections/{connection_id}/messages"),
    ("get", "/connect/booking"),
    ("get", "/oauth/booking/callback"),
    ("get", "/connect/{channel}"),
    ("get", "/oauth/{channel}/callback"),
    ("post", "/ota/booking/reservations"),
    ("get", "/healthz"),
}


class Api:
    """A test client with one organisation's key (and a second organisation's)."""

    def __init__(self, client: TestClient[Any], container: Container) -> None:
        self.client = client
        self.container = container
        inventory = container.inventory()
        keys = container.api_keys()
        self.org = inventory.ensure_organization("Canal Hotels")
        self.other = inventory.ensure_organization("Intruders")
        self.key = keys.issue(self.org.id, "tests").plaintext
        self.other_key = keys.issue(self.other.id, "tests").plaintext

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}


@pytest.fixture
def api() -> Iterator[Api]:
    channel = FakeChannel()
    channel.add_hotel(catalog())
    container = app_container(channel, make_settings({"CM_MAX_BODY_BYTES": "64KiB"}))
    container.clock.override(providers.Object(MovableClock()))  # the session's fixed "today"
    with TestClient(build_asgi_app(container)) as client:
        yield Api(client, container)


def _connect(api: Api) -> str:
    """Connect through the wizard's two hops (the fake channel approves)."""
    out = api.client.get("/connect/booking", headers=api.auth(), follow_redirects=False)
    assert out.status_code == 302
    flow = api.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(flow, FakeOAuth2Authorizer)
    params = flow.approve(out.headers["location"])
    # The flow is bound to the key that started it: the callback presents it again.
    back = api.client.get(
        "/oauth/booking/callback",
        params=params,
        headers={"Accept": "application/json", **api.auth()},
    )
    assert back.status_code == 200, back.text
    connection_id: str = back.json()["connection_id"]
    return connection_id


@pytest.mark.parametrize("caller", ["anonymous", "other organisation", "same org, other key"])
def test_a_callback_presented_by_another_caller_connects_nothing(api: Api, caller: str) -> None:
    out = api.client.get("/connect/booking", headers=api.auth(), follow_redirects=False)
    flow = api.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(flow, FakeOAuth2Authorizer)
    params = flow.approve(out.headers["location"])
    keys = {
        "anonymous": {},
        "other organisation": api.auth(api.other_key),
        "same org, other key": api.auth(api.container.api_keys().issue(api.org.id, "b").plaintext),
    }

    back = api.client.get(
        "/oauth/booking/callback",
        params=params,
        headers={"Accept": "application/json", **keys[caller]},
    )

    assert back.status_code == 400, back.text
    assert back.json()["error"]["type"] == "state_foreign"
    assert api.client.get("/api/v1/connections", headers=api.auth()).json() == []
    assert api.client.get("/api/v1/connections", headers=api.auth(api.other_key)).json() == []


def test_openapi_documents_every_path_of_the_contract(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented >= DESIGN_PATHS


def test_every_api_path_needs_a_key(api: Api) -> None:
    for method, path in ("GET", "/api/v1/connections"), ("GET", "/api/v1/reservations"):
        missing = api.client.request(method, path)
        wrong = api.client.request(method, path, headers=api.auth("cm_not-a-key"))
        assert missing.status_code == wrong.status_code == 401
        assert missing.json()["error"]["type"] == "unauthenticated"


def test_properties_and_units_round_trip(api: Api) -> None:
    created = api.client.post(
        "/api/v1/properties", json={"name": "Canal House", "currency": "EUR"}, headers=api.auth()
    )
    assert created.status_code == 201
    prop = created.json()["id"]
    unit = api.client.post(
        f"/api/v1/properties/{prop}/units",
        json={"name": "Double", "count": 3},
        headers=api.auth(),
    )
    assert unit.status_code == 201
    assert api.client.get(f"/api/v1/properties/{prop}/units", headers=api.auth()).json() == [
        unit.json()
    ]
    hidden = api.client.get(f"/api/v1/properties/{prop}/units", headers=api.auth(api.other_key))
    assert hidden.status_code == 404
    assert api.client.get("/api/v1/properties", headers=api.auth(api.other_key)).json() == []


def test_bad_input_gets_a_4xx_with_a_message(api: Api) -> None:
    bad_currency = api.client.post(
        "/api/v1/properties", json={"name": "X", "currency": "euro"}, headers=api.auth()
    )
    assert 400 <= bad_currency.status_code < 500
    assert bad_currency.json()["error"]["message"]
    not_json = api.client.post(
        "/api/v1/properties",
        content=b"{not json",
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    too_big = api.client.post(
        "/api/v1/properties",
        content=b'{"name": "' + b"x" * 70_000 + b'", "currency": "EUR"}',
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert too_big.status_code == 413


def test_a_hotel_mapped_to_a_property_in_another_currency_is_refused(api: Api) -> None:
    connection = _connect(api)  # the hotel sells in EUR
    prop = api.client.post(
        "/api/v1/properties", json={"name": "Loft Inn", "currency": "USD"}, headers=api.auth()
    ).json()["id"]

    refused = api.client.put(
        f"/api/v1/connections/{connection}/mappings",
        json={
            "hotels": [
                {
                    "external_property_id": HOTEL,
                    "internal_property_id": prop,
                    "units": [{"external_room_type_id": ROOM_DOUBLE, "create_unit": True}],
                    "rate_plans": [
                        {"external_rate_plan_id": RATE_STANDARD, "create_rate_plan": True}
                    ],
                }
            ]
        },
        headers=api.auth(),
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["message"] == (
        "Booking.com hotel 'Canal House Amsterdam' sells in EUR; your property 'Loft Inn' "
        "keeps rates in USD. Choose a property in EUR or create one."
    )
    # Nothing stored: the hotel is unmapped and no unit or rate plan was created.
    [hotel] = api.client.get(
        f"/api/v1/connections/{connection}/properties", headers=api.auth()
    ).json()
    assert hotel["property_mapping_id"] is None
    assert hotel["suggested_property_id"] is None  # nor is it suggested
    units = api.client.get(f"/api/v1/properties/{prop}/units", headers=api.auth())
    assert units.status_code == 200, units.text
    assert units.json() == []
    assert api.container.inventory().list_rate_plans(api.org.id, UUID(prop)) == []


def test_mapping_and_ari_through_the_api(api: Api) -> None:
    connection = _connect(api)
    prop = api.client.post(
        "/api/v1/properties", json={"name": "Canal House", "currency": "EUR"}, headers=api.auth()
    ).json()["id"]
    mapped = api.client.put(
        f"/api/v1/connections/{connection}/mappings",
        json={
            "hotels": [
                {
                    "external_property_id": HOTEL,
                    "internal_property_id": prop,
                    "units": [{"external_room_type_id": ROOM_DOUBLE, "create_unit": True}],
                    "rate_plans": [
                        {"external_rate_plan_id": RATE_STANDARD, "create_rate_plan": True}
                    ],
                }
            ]
        },
        headers=api.auth(),
    )
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()[0]["room_types"][0]["mapped_unit_id"]

    accepted = api.client.post(
        f"/api/v1/connections/{connection}/ari",
        json={
            "changes": [
                {
                    "hotel_code": HOTEL,
                    "room_type_code": ROOM_DOUBLE,
                    "rate_plan_code": RATE_STANDARD,
                    "start": next_year(1, 30).isoformat(),
                    "end": next_year(2, 2).isoformat(),
                    "rate": "120.50",
                }
            ]
        },
        headers=api.auth(),
    )
    assert accepted.status_code == 202, accepted.text
    push_ids = accepted.json()["push_ids"]
    assert len(push_ids) == 2  # January and February
    push = api.client.get(f"/api/v1/pushes/{push_ids[0]}", headers=api.auth()).json()
    assert push["state"] == "pending"
    assert push["message"] == "OTA_HotelRateAmountNotifRQ"
    assert push["ranges"][0]["rate"] == "120.50"
    foreign = api.client.get(f"/api/v1/pushes/{push_ids[0]}", headers=api.auth(api.other_key))
    assert foreign.status_code == 404

    unmapped = api.client.post(
        f"/api/v1/connections/{connection}/ari",
        json={
            "changes": [
                {
                    "hotel_code": HOTEL,
                    "room_type_code": "nope",
                    "start": next_year(1, 1).isoformat(),
                    "end": next_year(1, 1).isoformat(),
                    "availability": 1,
                }
            ]
        },
        headers=api.auth(),
    )
    assert unmapped.status_code == 422
    assert "nope" in unmapped.json()["error"]["message"]


def test_the_other_organisation_cannot_touch_a_connection(api: Api) -> None:
    connection = _connect(api)
    other = api.auth(api.other_key)
    for method, path in (
        ("GET", f"/api/v1/connections/{connection}"),
        ("DELETE", f"/api/v1/connections/{connection}"),
        ("POST", f"/api/v1/connections/{connection}/sync"),
        ("GET", f"/api/v1/connections/{connection}/messages"),
        ("GET", f"/api/v1/connections/{connection}/sync-runs"),
    ):
        assert api.client.request(method, path, headers=other).status_code == 404, path
    assert api.client.get("/api/v1/connections", headers=other).json() == []
    mine = api.client.get(f"/api/v1/connections/{connection}", headers=api.auth()).json()
    assert mine["status"] == "active"


def test_sync_is_accepted_and_finishes_in_the_background(api: Api) -> None:
    connection = _connect(api)
    started = api.client.post(f"/api/v1/connections/{connection}/sync", headers=api.auth())
    assert started.status_code == 202
    run = api.client.get(f"/api/v1/sync-runs/{started.json()['id']}", headers=api.auth()).json()
    assert run["status"] == "succeeded"
    assert run["counts"]["hotels"] == 1


def _mapped_connection(api: Api) -> str:
    connection = _connect(api)
    prop = api.client.post(
        "/api/v1/properties", json={"name": "Canal House", "currency": "EUR"}, headers=api.auth()
    ).json()["id"]
    hotel = {
        "external_property_id": HOTEL,
        "internal_property_id": prop,
        "units": [{"external_room_type_id": ROOM_DOUBLE, "create_unit": True}],
        "rate_plans": [{"external_rate_plan_id": RATE_STANDARD, "create_rate_plan": True}],
    }
    mapped = api.client.put(
        f"/api/v1/connections/{connection}/mappings",
        json={"hotels": [hotel]},
        headers=api.auth(),
    )
    assert mapped.status_code == 200, mapped.text
    # Mapping queued the new room's whole calendar: delivered, so a test sees its own pushes.
    while asyncio.run(api.container.dispatcher().dispatch_due("opening", limit=100)):
        pass
    return connection


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"availability": -1}, "invalid_value"),
        ({"min_los": -2}, "invalid_value"),
        ({"start": "9999-12-31", "end": "9999-12-31", "availability": 1}, "invalid_date_range"),
        ({"end": "+36600", "availability": 1}, "invalid_date_range"),  # a century of days
        ({"start": "-30", "end": "-29", "availability": 1}, "invalid_date_range"),
        ({"start": "+5", "end": "+4", "availability": 1}, "invalid_date_range"),
        ({"rate_plan_code": RATE_STANDARD, "rate": "-5"}, "invalid_money"),
        ({"rate_plan_code": RATE_STANDARD, "rate": "0.001"}, "invalid_money"),
        ({"rate_plan_code": RATE_STANDARD, "rate": "1e400"}, "invalid_money"),
    ],
)
def test_ari_that_could_never_be_sent_is_refused_up_front(
    api: Api, change: dict[str, object], expected: str
) -> None:
    connection = _mapped_connection(api)
    body: dict[str, object] = {
        "hotel_code": HOTEL,
        "room_type_code": ROOM_DOUBLE,
        "start": "+10",
        "end": "+12",
        **change,
    }
    today = api.container.clock().now().date()
    for field in ("start", "end"):  # "+N" / "-N": days from the fixed "today"
        value = str(body[field])
        if value[0] in "+-":
            body[field] = (today + timedelta(days=int(value))).isoformat()

    before = api.client.get("/api/v1/pushes", headers=api.auth()).json()

    refused = api.client.post(
        f"/api/v1/connections/{connection}/ari", json={"changes": [body]}, headers=api.auth()
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["type"] == expected
    pushes = api.client.get("/api/v1/pushes", headers=api.auth()).json()
    assert pushes == before


def test_out_of_range_values_are_4xx_not_500(api: Api) -> None:
    prop = api.client.post(
        "/api/v1/properties", json={"name": "Canal House", "currency": "EUR"}, headers=api.auth()
    ).json()["id"]
    negative = api.client.post(
        f"/api/v1/properties/{prop}/units", json={"name": "x", "count": -1}, headers=api.auth()
    )
    assert negative.status_code == 422
    assert "count" in negative.json()["error"]["message"]
    for query in ("limit=-1", "limit=0", "limit=501", "offset=-5"):
        page = api.client.get(f"/api/v1/reservations?{query}", headers=api.auth())
        assert page.status_code == 400, query
        assert page.json()["error"]["message"]


def test_a_revoked_connection_gets_409_for_sync_properties_and_retry(api: Api) -> None:
    """After the operator moves the hotel away, the old holder's key can make the service
    fetch, acknowledge or push nothing for it (issue 12 review)."""
    connection = _mapped_connection(api)
    gateways: object = api.container.gateways()  # the fake the tests put there
    assert isinstance(gateways, FakeGatewayFactory)
    channel = gateways.channel
    assert isinstance(channel, FakeChannel)
    accepted = api.client.post(
        f"/api/v1/connections/{connection}/ari",
        json={
            "changes": [
                {
                    "hotel_code": HOTEL,
                    "room_type_code": ROOM_DOUBLE,
                    "start": next_year(1, 5).isoformat(),
                    "end": next_year(1, 5).isoformat(),
                    "stop_sell": True,
                }
            ]
        },
        headers=api.auth(),
    )
    assert accepted.status_code == 202, accepted.text
    [push] = accepted.json()["push_ids"]
    channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY, PermanentChannelError("402", "room not active")
    )
    asyncio.run(api.container.dispatcher().dispatch_due("w1"))
    api.container.connect().move_hotel(
        HOTEL, api.other.id, "ticket 9: deed shown", channel="booking"
    )
    channel.enqueue(booking("R1"))
    channel.calls.clear()

    for method, path in (
        ("POST", f"/api/v1/connections/{connection}/sync"),
        ("GET", f"/api/v1/connections/{connection}/properties"),
        ("POST", f"/api/v1/pushes/{push}/retry"),
    ):
        answer = api.client.request(method, path, headers=api.auth())
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["error"]["type"] == "connection_not_active"
        assert "revoked" in answer.json()["error"]["message"]
    assert asyncio.run(api.container.dispatcher().dispatch_due("w1")) == 0

    assert channel.calls == []
    assert len(channel.pending_messages()) == 1  # left for the new holder
    assert api.client.get(f"/api/v1/pushes/{push}", headers=api.auth()).json()["state"] == "failed"
