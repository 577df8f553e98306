"""Repairing a channel over real HTTP: a value set in our calendar reaches the sandbox, the
sandbox's ARI is then changed behind our back, and ``POST /connections/{id}/resync`` puts our
value back. The drift check follows our delivery record (the Booking.com gateway reads no
ARI back, so it cannot see the sandbox's change itself)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from booking_sandbox.server import SandboxServer
from tests.support.clock import shifted_today

from .flows import Tenant, connect_oauth2, map_hotel, ok, pushes_in, sandbox_ari
from .harness import RunningService
from .inventory import outbound_settled

pytestmark = pytest.mark.e2e

HOTEL = "1000002"
ROOM = "100000203"  # Deluxe King Room: sold on both rate plans
RATE = "50011"


def _drift(tenant: Tenant, connection_id: str, night: dt.date) -> dict[str, Any]:
    window = {"from": night.isoformat(), "to": night.isoformat()}
    return dict(ok(tenant.api.get(f"/api/v1/connections/{connection_id}/drift", params=window)))


def test_a_resync_puts_our_calendar_back_into_the_sandbox(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    connection_id = connect_oauth2(tenant, [HOTEL])
    hotel = map_hotel(tenant, connection_id, HOTEL)
    service.tick_until(lambda: outbound_settled(tenant))
    [unit_id] = [r["mapped_unit_id"] for r in hotel["room_types"] if r["code"] == ROOM]
    [plan_id] = [p["mapped_rate_plan_id"] for p in hotel["rate_plans"] if p["code"] == RATE]
    night = shifted_today() + dt.timedelta(days=45)
    answer = tenant.api.post(
        "/api/v1/calendar/changes",
        json={
            "changes": [
                {"unit_id": unit_id, "from": night.isoformat(), "to": night.isoformat(),
                 "availability": 2},
                {"unit_id": unit_id, "rate_plan_id": plan_id, "from": night.isoformat(),
                 "to": night.isoformat(), "rate": "143.40", "min_stay": 3},
            ]
        },
    )  # fmt: skip
    [queued] = ok(answer, 202)["pushes"]
    waiting = _drift(tenant, connection_id, night)
    assert waiting["readback"] == "not_offered"
    assert {(d["field"], d["reason"]) for d in waiting["differences"]} >= {
        ("availability", "queued"),
        ("rate", "queued"),
        ("min_stay", "queued"),
    }
    delivered = service.tick_until(
        lambda: pushes_in(tenant, queued["push_ids"], "delivered", "failed")
    )
    assert {p["state"] for p in delivered} == {"delivered"}, delivered
    held = sandbox_ari(sandbox.base_url, HOTEL, night, night)[ROOM, RATE, night.isoformat()]
    ours = (held["availability"], Decimal(held["rate"]), held["min_los"])
    assert ours == (2, Decimal("143.40"), 3), held
    assert _drift(tenant, connection_id, night)["differences"] == []

    # Behind our back: the channel loses the rate and the minimum stay and sells nothing.
    state = sandbox.state
    with state.lock:
        cell = state.cell(ROOM, RATE, night)
        cell.price, cell.min_los = Decimal("1.00"), None
        state.availability[(ROOM, night)] = 0
    lost = sandbox_ari(sandbox.base_url, HOTEL, night, night)[ROOM, RATE, night.isoformat()]
    assert (lost["availability"], Decimal(lost["rate"]), lost["min_los"]) == (0, Decimal(1), None)

    resync = tenant.api.post(
        f"/api/v1/connections/{connection_id}/resync",
        json={"from": night.isoformat(), "to": night.isoformat()},
    )

    result = ok(resync, 202)
    assert result["connection_id"] == connection_id
    assert result["push_ids"]
    resent = service.tick_until(
        lambda: pushes_in(tenant, result["push_ids"], "delivered", "failed")
    )
    assert {p["state"] for p in resent} == {"delivered"}, resent
    back = sandbox_ari(sandbox.base_url, HOTEL, night, night)[ROOM, RATE, night.isoformat()]
    assert (back["availability"], Decimal(back["rate"]), back["min_los"]) == ours, back
    # Every room of the hotel was sent, each with what is left to sell.
    rooms = {r["code"] for r in hotel["room_types"] if r["mapped_unit_id"]}
    sent = {
        item["room_type_code"]
        for push in resent
        for item in push["ranges"]
        if item["booking_limit"] is not None
    }
    assert sent == rooms
    assert _drift(tenant, connection_id, night)["differences"] == []
