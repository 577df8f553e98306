"""Per-connection rules against the Booking.com sandbox (issue 18): a +15% markup on the
connection is the rate the sandbox holds, a cap of 2 the availability it holds, and a
stop-sell closes every night there, then reopens them, while our calendar keeps its values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from booking_sandbox.server import SandboxServer
from tests.support.clock import shifted_today

from .flows import Tenant, connect_oauth2, map_hotel, ok, sandbox_ari
from .harness import RunningService
from .inventory import outbound_settled

pytestmark = pytest.mark.e2e

HOTEL = "1000002"
ROOM = "100000203"  # Deluxe King Room: sold on both rate plans
RATE = "50011"
OTHER_RATE = "50012"
#: A change of rules sends the connection's whole year again: more pushes than a change.
SETTLE_SECONDS = 90


def _put_rules(tenant: Tenant, connection_id: str, **rules: Any) -> dict[str, Any]:
    body = {"price_modifier": None, "availability_cap": None, "stop_sell": False, **rules}
    return dict(ok(tenant.api.put(f"/api/v1/connections/{connection_id}/rules", json=body)))


def _settle(service: RunningService, tenant: Tenant) -> None:
    service.tick_until(lambda: outbound_settled(tenant), timeout=SETTLE_SECONDS)


def test_markup_cap_and_stop_sell_reach_the_sandbox(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    connection_id = connect_oauth2(tenant, [HOTEL])
    hotel = map_hotel(tenant, connection_id, HOTEL)
    _settle(service, tenant)
    property_id = str(hotel["internal_property_id"])
    [unit_id] = [r["mapped_unit_id"] for r in hotel["room_types"] if r["code"] == ROOM]
    [plan_id] = [p["mapped_rate_plan_id"] for p in hotel["rate_plans"] if p["code"] == RATE]
    night = shifted_today() + dt.timedelta(days=45)
    far = shifted_today() + dt.timedelta(days=300)

    changed = _put_rules(
        tenant, connection_id, price_modifier={"percent": "15"}, availability_cap=2
    )
    assert changed["push_ids"], changed
    answer = tenant.api.post(
        "/api/v1/calendar/changes",
        json={
            "changes": [
                {"unit_id": unit_id, "from": night.isoformat(), "to": night.isoformat(),
                 "availability": 5},
                {"unit_id": unit_id, "rate_plan_id": plan_id, "from": night.isoformat(),
                 "to": night.isoformat(), "rate": "100.00"},
            ]
        },
    )  # fmt: skip
    ok(answer, 202)
    _settle(service, tenant)

    held = sandbox_ari(sandbox.base_url, HOTEL, night, night)[ROOM, RATE, night.isoformat()]
    assert Decimal(held["rate"]) == Decimal("115.00"), held
    assert held["availability"] == 2, held
    later = sandbox_ari(sandbox.base_url, HOTEL, far, far)[ROOM, RATE, far.isoformat()]
    assert later["availability"] == 2, later  # the whole year went out again, capped
    # Our calendar keeps our values, and shows what the channel receives next to them.
    shown = ok(
        tenant.api.get(
            "/api/v1/calendar",
            params={"property_id": property_id, "from": night.isoformat(), "to": night.isoformat()},
        )
    )
    [unit] = [u for u in shown["units"] if u["unit_id"] == unit_id]
    [unit_night] = unit["nights"]
    [unit_channel] = unit_night["channels"]
    assert (unit_night["availability"], unit_channel["availability"]) == (5, 2)
    [plan] = [p for p in unit["rate_plans"] if p["rate_plan_id"] == plan_id]
    [rate_night] = plan["nights"]
    [rate_channel] = rate_night["channels"]
    assert (rate_night["rate"], rate_channel["rate"]) == ("100.00", "115.00")
    assert rate_channel["state"] == "delivered"

    _put_rules(
        tenant, connection_id, price_modifier={"percent": "15"}, availability_cap=2, stop_sell=True
    )
    _settle(service, tenant)
    closed = sandbox_ari(sandbox.base_url, HOTEL, night, night)
    assert closed[ROOM, RATE, night.isoformat()]["closed"] is True, closed
    assert closed[ROOM, OTHER_RATE, night.isoformat()]["closed"] is True, closed
    far_closed = sandbox_ari(sandbox.base_url, HOTEL, far, far)
    assert far_closed[ROOM, RATE, far.isoformat()]["closed"] is True, far_closed

    _put_rules(tenant, connection_id, price_modifier={"percent": "15"}, availability_cap=2)
    _settle(service, tenant)
    reopened = sandbox_ari(sandbox.base_url, HOTEL, night, night)
    assert reopened[ROOM, RATE, night.isoformat()]["closed"] is False, reopened
    assert reopened[ROOM, OTHER_RATE, night.isoformat()]["closed"] is False, reopened
    assert Decimal(reopened[ROOM, RATE, night.isoformat()]["rate"]) == Decimal("115.00")
    assert reopened[ROOM, RATE, night.isoformat()]["availability"] == 2
    far_open = sandbox_ari(sandbox.base_url, HOTEL, far, far)
    assert far_open[ROOM, RATE, far.isoformat()]["closed"] is False, far_open
