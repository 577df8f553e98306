"""Two organisations on one service never see each other's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.clock import shifted_today

from .flows import Tenant, connect_and_map, ok, submit_ari
from .harness import RunningService
from .inventory import our_reservations, outbound_settled

pytestmark = pytest.mark.e2e


def footprint(tenant: Tenant, connection_id: str, hotel: str) -> dict[str, Any]:
    """Ids of everything the organisation owns after a sync and an ARI push."""
    day = shifted_today() + dt.timedelta(days=20)
    mapped = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/properties"))
    room = next(h for h in mapped if h["hotel_code"] == hotel)["room_types"][0]["code"]
    push_ids = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": hotel,
            "room_type_code": room,
            "start": str(day),
            "end": str(day),
            "availability": 2,
        },
    )
    return {
        "connection": connection_id,
        "pushes": push_ids,
        "reservations": [r["id"] for r in our_reservations(tenant)],
        "sync_runs": [
            r["id"] for r in ok(tenant.api.get(f"/api/v1/connections/{connection_id}/sync-runs"))
        ],
        "properties": [p["id"] for p in ok(tenant.api.get("/api/v1/properties"))],
    }


def test_organisations_see_only_their_own_data(
    service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    alpha, beta = tenant_factory("Alpha Stays"), tenant_factory("Beta Resorts")
    alpha_connection = connect_and_map(alpha, "1000001")
    beta_connection = connect_and_map(beta, "1000002")
    service.tick_until(
        lambda: (
            our_reservations(alpha)
            and our_reservations(beta)
            and outbound_settled(alpha)
            and outbound_settled(beta)
        )
    )
    mine = footprint(alpha, alpha_connection, "1000001")
    theirs = footprint(beta, beta_connection, "1000002")
    assert all(mine.values())
    assert all(theirs.values())

    # Beta asks for each of Alpha's things by id: not found, as if they did not exist.
    connection = mine["connection"]
    lookups = [
        ("GET", f"/api/v1/connections/{connection}"),
        ("GET", f"/api/v1/connections/{connection}/sync-runs"),
        ("GET", f"/api/v1/connections/{connection}/properties"),
        ("GET", f"/api/v1/connections/{connection}/messages"),
        ("POST", f"/api/v1/connections/{connection}/sync"),
        ("DELETE", f"/api/v1/connections/{connection}"),
        ("GET", f"/api/v1/pushes?connection_id={connection}"),
        ("GET", f"/api/v1/properties/{mine['properties'][0]}/units"),
        *[("GET", f"/api/v1/reservations/{rid}") for rid in mine["reservations"]],
        *[("GET", f"/api/v1/sync-runs/{rid}") for rid in mine["sync_runs"]],
        *[("GET", f"/api/v1/pushes/{pid}") for pid in mine["pushes"]],
        *[("POST", f"/api/v1/pushes/{pid}/retry") for pid in mine["pushes"]],
    ]
    for method, path in lookups:
        answer = beta.api.request(method, path)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        assert answer.json()["error"]["type"] == "not_found"
    for method, path, body in [
        (
            "PUT",
            f"/api/v1/connections/{connection}/mappings",
            {"hotels": [{"external_property_id": "1000001", "create_property": True}]},
        ),
        (
            "POST",
            f"/api/v1/connections/{connection}/ari",
            {
                "changes": [
                    {
                        "hotel_code": "1000001",
                        "room_type_code": "100000101",
                        "start": "2030-01-01",
                        "end": "2030-01-01",
                        "availability": 0,
                    }
                ]
            },
        ),
    ]:
        answer = beta.api.request(method, path, json=body)
        assert answer.status_code == 404, (method, path, answer.text)

    # Lists hold only Beta's own rows.
    listed = {
        "connection": [c["id"] for c in ok(beta.api.get("/api/v1/connections"))],
        "reservations": [r["id"] for r in our_reservations(beta)],
        "pushes": [p["id"] for p in ok(beta.api.get("/api/v1/pushes", params={"limit": 500}))],
        "properties": [p["id"] for p in ok(beta.api.get("/api/v1/properties"))],
    }
    assert listed["connection"] == [theirs["connection"]]
    assert sorted(listed["reservations"]) == sorted(theirs["reservations"])
    assert set(theirs["pushes"]) <= set(listed["pushes"])
    assert not set(listed["pushes"]) & set(mine["pushes"])
    assert sorted(listed["properties"]) == sorted(theirs["properties"])
    # Alpha's connection is still there and untouched by Beta's attempts.
    assert ok(alpha.api.get(f"/api/v1/connections/{connection}"))["status"] == "active"
    assert ok(alpha.api.get(f"/api/v1/pushes/{mine['pushes'][0]}"))["state"] == "pending"
