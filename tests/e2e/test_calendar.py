"""Our calendar over real HTTP: a rate and rooms to sell set in our ids through
``POST /api/v1/calendar/changes`` are shown by ``GET /api/v1/calendar``, reach the sandbox,
and the calendar then shows them delivered."""

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


def _calendar(tenant: Tenant, property_id: str, night: dt.date) -> dict[str, Any]:
    return dict(
        ok(
            tenant.api.get(
                "/api/v1/calendar",
                params={
                    "property_id": property_id,
                    "from": night.isoformat(),
                    "to": night.isoformat(),
                },
            )
        )
    )


def test_a_rate_set_in_our_calendar_is_shown_and_reaches_the_sandbox(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    connection_id = connect_oauth2(tenant, [HOTEL])
    hotel = map_hotel(tenant, connection_id, HOTEL)
    service.tick_until(lambda: outbound_settled(tenant))
    property_id = str(hotel["internal_property_id"])
    [unit_id] = [r["mapped_unit_id"] for r in hotel["room_types"] if r["code"] == ROOM]
    [plan_id] = [p["mapped_rate_plan_id"] for p in hotel["rate_plans"] if p["code"] == RATE]
    night = shifted_today() + dt.timedelta(days=60)

    answer = tenant.api.post(
        "/api/v1/calendar/changes",
        json={
            "changes": [
                {"unit_id": unit_id, "from": night.isoformat(), "to": night.isoformat(),
                 "availability": 3},
                {"unit_id": unit_id, "rate_plan_id": plan_id, "from": night.isoformat(),
                 "to": night.isoformat(), "rate": "187.25", "min_stay": 2},
            ]
        },
    )  # fmt: skip

    [queued] = ok(answer, 202)["pushes"]
    assert queued["connection_id"] == connection_id
    shown = _calendar(tenant, property_id, night)
    [unit] = [u for u in shown["units"] if u["unit_id"] == unit_id]
    [plan] = [p for p in unit["rate_plans"] if p["rate_plan_id"] == plan_id]
    [rate_night] = plan["nights"]
    assert (rate_night["rate"], rate_night["currency"], rate_night["min_stay"]) == (
        "187.25",
        shown["currency"],
        2,
    )
    [unit_night] = unit["nights"]
    assert unit_night["rooms_to_sell"] == 3
    assert unit_night["availability"] == 3 - unit_night["rooms_booked"]
    assert [c["state"] for c in rate_night["channels"]] == ["queued"]

    delivered = service.tick_until(
        lambda: pushes_in(tenant, queued["push_ids"], "delivered", "failed")
    )
    assert {p["state"] for p in delivered} == {"delivered"}, delivered
    cell = sandbox_ari(sandbox.base_url, HOTEL, night, night)[ROOM, RATE, night.isoformat()]
    assert Decimal(cell["rate"]) == Decimal("187.25"), cell
    assert cell["min_los"] == 2, cell
    assert cell["availability"] == unit_night["availability"], cell
    after = _calendar(tenant, property_id, night)
    [unit] = [u for u in after["units"] if u["unit_id"] == unit_id]
    [plan] = [p for p in unit["rate_plans"] if p["rate_plan_id"] == plan_id]
    assert [c["state"] for c in plan["nights"][0]["channels"]] == ["delivered"]
    assert [c["state"] for c in unit["nights"][0]["channels"]] == ["delivered"]
