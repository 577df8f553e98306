"""``GET /api/v1/connections/{id}/health`` (issue 18): the status, the reasons in words and the
facts; 404 for another organisation's connection; documented in OpenAPI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID, uuid4

import attrs
import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import FakeChannel, GatewayOperation
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import catalog
from tests.support.clock import MovableClock
from tests.support.containers import app_container
from tests.unit.api.test_rest_api import Api, _connect

UNAVAILABLE = RetryableChannelError("HTTP 503 from Booking.com")


@attrs.frozen
class World:
    api: Api
    channel: FakeChannel
    clock: MovableClock


@pytest.fixture
def world() -> Iterator[World]:
    channel = FakeChannel()
    channel.add_hotel(catalog())
    container = app_container(channel)
    clock = MovableClock()
    container.clock.override(providers.Object(clock))
    with TestClient(build_asgi_app(container)) as client:
        yield World(Api(client, container), channel, clock)


def test_a_connection_that_polls_fine_reads_green(world: World) -> None:
    api = world.api
    connection_id = _connect(api)
    asyncio.run(api.container.sync().poll(UUID(connection_id)))
    green = api.client.get(f"/api/v1/connections/{connection_id}/health", headers=api.auth())

    assert green.status_code == 200, green.text
    body = green.json()
    assert (body["status"], body["reasons"]) == ("green", [])
    assert body["connection_id"] == connection_id
    assert body["last_successful_poll_at"] is not None
    assert body["poll_attempts"] == 1


def test_red_with_reasons_after_failing_polls(world: World) -> None:
    api = world.api
    connection_id = _connect(api)
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, UNAVAILABLE, times=2)
    sync = api.container.sync()
    asyncio.run(sync.poll(UUID(connection_id)))
    world.clock.advance(timedelta(minutes=12))
    asyncio.run(sync.poll(UUID(connection_id)))

    body = api.client.get(f"/api/v1/connections/{connection_id}/health", headers=api.auth()).json()

    assert body["status"] == "red"
    [reason] = [r for r in body["reasons"] if r["code"] == "polls_failing"]
    assert reason["status"] == "red"
    assert reason["text"].startswith("polls failing for 12 min: ")
    assert "HTTP 503 from Booking.com" in reason["text"]
    assert body["poll_failures"] == 2
    assert body["last_successful_poll_at"] is None


def test_another_organisation_gets_404(world: World) -> None:
    api = world.api
    connection_id = _connect(api)
    theirs = api.client.get(
        f"/api/v1/connections/{connection_id}/health", headers=api.auth(api.other_key)
    )
    unknown = api.client.get(f"/api/v1/connections/{uuid4()}/health", headers=api.auth())
    assert theirs.status_code == 404
    assert unknown.status_code == 404
    assert theirs.json()["error"]["type"] == unknown.json()["error"]["type"] == "not_found"
    assert "connection" in theirs.json()["error"]["message"]


def test_the_route_is_documented(world: World) -> None:
    document = world.api.client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/connections/{connection_id}/health"]["get"]
    assert "green" in operation["description"]
    assert "404" in operation["responses"]
    schema_name = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_name.rsplit("/", 1)[1]]
    assert {"status", "reasons", "unacknowledged", "error_rate_percent"} <= set(
        schema["properties"]
    )
