"""``/api/v1/webhooks`` (issue 18): the secret in the 201 answer only, clear 4xx for bad
input, another organisation's ids answered as unknown, the delivery log and replay."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.container import Container
from channel_manager.domain.events import EventType
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.clock import MovableClock
from tests.support.containers import app_container, make_settings
from tests.support.webhooks import WebhookReceiver, readme_verifier


class Api:
    def __init__(self, client: TestClient[Any], container: Container) -> None:
        self.client = client
        self.container = container
        inventory = container.inventory()
        keys = container.api_keys()
        self.org = inventory.ensure_organization("Canal Hotels")
        other = inventory.ensure_organization("Intruders")
        self.mine = {"Authorization": f"Bearer {keys.issue(self.org.id, 't').plaintext}"}
        self.theirs = {"Authorization": f"Bearer {keys.issue(other.id, 't').plaintext}"}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def api() -> Iterator[Api]:
    container = app_container(settings=make_settings({"CM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1"}))
    container.clock.override(providers.Object(MovableClock()))
    with TestClient(build_asgi_app(container)) as client:
        yield Api(client, container)


def test_subscribe_list_log_replay_and_delete(api: Api, receiver: WebhookReceiver) -> None:
    made = api.client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["push.failed", "reservation.created"]},
        headers=api.mine,
    )
    assert made.status_code == 201, made.text
    created = made.json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["events"] == ["push.failed", "reservation.created"]
    listed = api.client.get("/api/v1/webhooks", headers=api.mine)
    assert listed.status_code == 200
    assert [w["id"] for w in listed.json()] == [created["id"]]
    assert secret not in listed.text
    assert "secret" not in listed.json()[0]
    assert api.client.get("/api/v1/webhooks", headers=api.theirs).json() == []

    # An event of the organisation, delivered by the worker's dispatcher, verifies with the
    # README's snippet.
    with api.container.uow_factory()() as uow:
        api.container.events().emit(
            uow, api.org.id, EventType.PUSH_FAILED, {"push_id": "p1"}, order_key=None
        )
        uow.commit()
    assert asyncio.run(api.container.webhook_dispatcher().deliver_due("w")) == 1
    [got] = receiver.received
    now = api.container.clock().now().timestamp()
    assert readme_verifier()(secret, got.headers, got.body, now=now)
    assert got.json()["data"] == {"push_id": "p1"}

    path = f"/api/v1/webhooks/{created['id']}/deliveries"
    [delivery] = api.client.get(path, headers=api.mine).json()
    assert delivery["state"] == "delivered"
    assert delivery["attempts"] == 1
    assert delivery["last_status"] == 204
    assert delivery["event_id"] == got.json()["id"]
    replay = f"{path}/{delivery['id']}/replay"
    assert api.client.get(path, headers=api.theirs).status_code == 404
    assert api.client.post(replay, headers=api.theirs).status_code == 404
    again = api.client.post(replay, headers=api.mine)
    assert again.status_code == 200, again.text
    assert again.json()["state"] == "pending"
    assert asyncio.run(api.container.webhook_dispatcher().deliver_due("w")) == 1
    assert receiver.received[1].body == got.body  # the same event id and body

    gone = f"/api/v1/webhooks/{created['id']}"
    assert api.client.delete(gone, headers=api.theirs).status_code == 404
    assert api.client.delete(gone, headers=api.mine).status_code == 204
    assert api.client.get("/api/v1/webhooks", headers=api.mine).json() == []
    assert api.client.get(path, headers=api.mine).status_code == 404


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"url": "https://hooks.example.com", "events": []}, "events"),
        ({"url": "https://hooks.example.com", "events": ["nope"]}, "unknown event type"),
        ({"url": "http://10.0.0.1/x", "events": ["push.failed"]}, "not allowed"),
        ({"url": "ftp://hooks.example.com/", "events": ["push.failed"]}, "https"),
        ({"url": "https://hooks.example.com", "events": ["push.failed"], "x": 1}, "x"),
        ({"events": ["push.failed"]}, "url"),
    ],
)
def test_bad_subscriptions_get_a_clear_4xx(api: Api, body: dict[str, Any], says: str) -> None:
    answer = api.client.post("/api/v1/webhooks", json=body, headers=api.mine)
    assert 400 <= answer.status_code < 500, answer.text
    assert says in answer.text
    assert api.client.get("/api/v1/webhooks", headers=api.mine).json() == []


def test_the_routes_are_in_the_openapi_document(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks"])
    assert "delete" in paths["/api/v1/webhooks/{webhook_id}"]
    assert "get" in paths["/api/v1/webhooks/{webhook_id}/deliveries"]
    assert "post" in paths["/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"]


def test_the_delivery_log_is_paged(api: Api, receiver: WebhookReceiver) -> None:
    made = api.client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["push.failed"]}, headers=api.mine
    )
    assert made.status_code == 201, made.text
    with api.container.uow_factory()() as uow:
        for n in range(5):
            api.container.events().emit(uow, api.org.id, EventType.PUSH_FAILED, {"n": n})
        uow.commit()
    path = f"/api/v1/webhooks/{made.json()['id']}/deliveries"
    every = [d["id"] for d in api.client.get(path, headers=api.mine).json()]
    assert len(every) == 5
    pages = [
        api.client.get(path, params={"limit": 2, "offset": offset}, headers=api.mine).json()
        for offset in (0, 2, 4)
    ]
    assert [d["id"] for page in pages for d in page] == every
    assert [len(page) for page in pages] == [2, 2, 1]
    bad = api.client.get(path, params={"offset": -1}, headers=api.mine)
    assert bad.status_code == 400
    assert "offset" in bad.text
