"""A populated app for the robustness tests, and the checks every answer must pass.

The world holds one organisation with real ids behind every path parameter (a connection made
through the fake oauth2 flow, a mapped property with a unit and rate plan, a queued push, a sync
run, a reservation), so generated requests reach past the 404s into the use cases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import httpx
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, booking, catalog
from tests.support.clock import MovableClock
from tests.support.containers import app_container, make_settings
from tests.support.database import Snapshot, snapshot

#: "Today" for the world: ARI dates are accepted from yesterday to three years ahead of it.
TODAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
#: Small, so oversize bodies are cheap to generate; the API must answer them with 413.
MAX_BODY = "16KiB"


@attrs.frozen(kw_only=True)
class ApiWorld:
    """A test client over the full app and the ids of everything one organisation owns."""

    client: TestClient[Litestar]
    container: Container
    key: str
    other_key: str
    connection_id: str
    property_id: str
    unit_id: str
    push_id: str
    run_id: str
    reservation_id: str

    def auth(self, key: str | None = None) -> dict[str, str]:
        """The bearer header of the organisation (or of ``key``)."""
        return {"Authorization": f"Bearer {key or self.key}"}

    @property
    def known_ids(self) -> tuple[str, ...]:
        """Every real id of the world, for path parameters that should hit something."""
        return (
            self.connection_id,
            self.property_id,
            self.unit_id,
            self.push_id,
            self.run_id,
            self.reservation_id,
        )

    @property
    def known_codes(self) -> tuple[str, ...]:
        """Channel codes the world has mapped, for body fields that should pass the lookups."""
        return (HOTEL, ROOM_DOUBLE, RATE_STANDARD)

    @property
    def field_hints(self) -> dict[str, str]:
        """For a parameter or body field name, the world's value that passes its lookup."""
        return {
            "connection_id": self.connection_id,
            "property_id": self.property_id,
            "push_id": self.push_id,
            "run_id": self.run_id,
            "reservation_id": self.reservation_id,
            "internal_property_id": self.property_id,
            "internal_unit_id": self.unit_id,
            "hotel_code": HOTEL,
            "external_property_id": HOTEL,
            "room_type_code": ROOM_DOUBLE,
            "external_room_type_id": ROOM_DOUBLE,
            "rate_plan_code": RATE_STANDARD,
            "external_rate_plan_id": RATE_STANDARD,
            "currency": "EUR",
        }


def store_snapshot(container: Container) -> Snapshot:
    """Every committed row of every table, to prove a refusal changed nothing."""
    # When a key was last used is bookkeeping of the authentication itself (recorded for a
    # refused request too, at most once a minute), not a change the request made.
    return snapshot(container.engine(), ignore={"api_keys": {"last_used_at"}})


def _connect(client: TestClient[Litestar], container: Container, key: str) -> str:
    """Connect through the wizard's two hops (the fake channel approves)."""
    headers = {"Authorization": f"Bearer {key}"}
    out = client.get("/connect/booking", headers=headers, follow_redirects=False)
    flow = container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(flow, FakeOAuth2Authorizer)
    back = client.get(
        "/oauth/booking/callback",
        params=flow.approve(out.headers["location"]),
        headers={"Accept": "application/json", **headers},
    )
    assert back.status_code == 200, back.text
    connection_id: str = back.json()["connection_id"]
    return connection_id


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


@contextmanager
def api_world() -> Iterator[ApiWorld]:
    """Build the world; the client is open for the duration of the ``with`` block."""
    channel = FakeChannel()
    channel.add_hotel(catalog())
    # The fuzzer tries thousands of wrong keys from one client: the lockout that would answer
    # them 429 has its own tests (tests/unit/rest/test_auth_lockout.py).
    settings = make_settings(
        {"CM_MAX_BODY_BYTES": MAX_BODY, "CM_AUTH_FAILURE_LIMIT": "1000000 per 15 minutes"}
    )
    container = app_container(channel, settings)
    container.clock.override(providers.Object(MovableClock(TODAY)))
    inventory = container.inventory()
    organization = inventory.ensure_organization("Fuzzed Hotels")
    other = inventory.ensure_organization("Bystanders")
    key = container.api_keys().issue(organization.id, "fuzz").plaintext
    other_key = container.api_keys().issue(other.id, "fuzz").plaintext
    with TestClient(build_asgi_app(container), raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {key}"}
        connection_id = _connect(client, container, key)
        property_id = _ok(
            client.post(
                "/api/v1/properties", json={"name": "Canal", "currency": "EUR"}, headers=headers
            )
        )["id"]
        unit_id = _ok(
            client.post(
                f"/api/v1/properties/{property_id}/units", json={"name": "Double"}, headers=headers
            )
        )["id"]
        mapping = {
            "external_property_id": HOTEL,
            "internal_property_id": property_id,
            "units": [{"external_room_type_id": ROOM_DOUBLE, "internal_unit_id": unit_id}],
            "rate_plans": [{"external_rate_plan_id": RATE_STANDARD, "create_rate_plan": True}],
        }
        _ok(
            client.put(
                f"/api/v1/connections/{connection_id}/mappings",
                json={"hotels": [mapping]},
                headers=headers,
            )
        )
        change = {
            "hotel_code": HOTEL,
            "room_type_code": ROOM_DOUBLE,
            "rate_plan_code": RATE_STANDARD,
            "start": "2027-01-10",
            "end": "2027-01-12",
            "rate": "99.00",
        }
        push_id = _ok(
            client.post(
                f"/api/v1/connections/{connection_id}/ari",
                json={"changes": [change]},
                headers=headers,
            )
        )["push_ids"][0]
        channel.enqueue(booking("fuzz-1"))
        run_id = _ok(client.post(f"/api/v1/connections/{connection_id}/sync", headers=headers))[
            "id"
        ]
        reservations = _ok(client.get("/api/v1/reservations", headers=headers))
        assert reservations, "the sync should have imported the fake channel's booking"
        yield ApiWorld(
            client=client,
            container=container,
            key=key,
            other_key=other_key,
            connection_id=connection_id,
            property_id=property_id,
            unit_id=unit_id,
            push_id=push_id,
            run_id=run_id,
            reservation_id=reservations[0]["id"],
        )


def assert_json_error(response: httpx.Response) -> Mapping[str, Any]:
    """A 4xx answer is ``{"error": {"status", "type", "message"}}`` with a real message."""
    assert response.headers.get("content-type", "").startswith("application/json"), response.text
    error = response.json()["error"]
    assert error["status"] == response.status_code, response.text
    assert isinstance(error["type"], str)
    assert error["type"]
    assert isinstance(error["message"], str)
    assert error["message"].strip(), response.text
    return dict(error)


def assert_robust_answer(response: httpx.Response, before: Snapshot, after: Snapshot) -> None:
    """Never a 5xx, 4xx in the JSON error shape, and a refused request changed nothing."""
    request = response.request
    where = f"{request.method} {request.url} -> {response.status_code}: {response.text[:500]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        assert_json_error(response)
        assert after == before, f"a refused request changed the store: {where}"
    elif response.status_code < 300 and response.content:
        response.json()  # a success answer is well-formed JSON


def is_uuid(text: str) -> bool:
    """True when ``text`` is a UUID in any form Python accepts."""
    try:
        UUID(text)
    except ValueError:
        return False
    return True
