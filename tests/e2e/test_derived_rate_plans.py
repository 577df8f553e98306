"""A derived plan at -10% follows its parent into the Booking.com sandbox (issue 18): the
parent and the derived plan are mapped to two rate plans of one room, the parent's rate is set
once, and after dispatch the sandbox holds the parent's rate and 90% of it for the other plan,
sent as one rate message."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from booking_sandbox.server import SandboxServer
from tests.support.clock import shifted_today

from .flows import Tenant, connect_and_map, ok, pushes_in, sandbox_ari, sandbox_requests
from .harness import RunningService
from .inventory import outbound_settled

pytestmark = pytest.mark.e2e

HOTEL = "1000002"
ROOM = "100000203"  # Deluxe King Room: sold on both rate plans
RATE = "50011"
OTHER_RATE = "50012"


def _remap_other_rate(tenant: Tenant, connection_id: str, hotel: dict[str, Any], plan: str):
    """Map the hotel again as it is, except ``OTHER_RATE``, which now goes to ``plan``."""
    mapping = {
        "external_property_id": HOTEL,
        "internal_property_id": hotel["internal_property_id"],
        "units": [
            {"external_room_type_id": r["code"], "internal_unit_id": r["mapped_unit_id"]}
            for r in hotel["room_types"]
            if r["mapped_unit_id"]
        ],
        "rate_plans": [
            {
                "external_rate_plan_id": p["code"],
                "internal_rate_plan_id": plan
                if p["code"] == OTHER_RATE
                else p["mapped_rate_plan_id"],
            }
            for p in hotel["rate_plans"]
        ],
    }
    ok(tenant.api.put(f"/api/v1/connections/{connection_id}/mappings", json={"hotels": [mapping]}))


def test_a_derived_plan_at_minus_ten_percent_follows_its_parent_into_the_sandbox(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    connection_id = connect_and_map(tenant, HOTEL)
    service.tick_until(lambda: outbound_settled(tenant))
    hotels = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/properties"))
    hotel = next(h for h in hotels if h["hotel_code"] == HOTEL)
    [parent] = [p["mapped_rate_plan_id"] for p in hotel["rate_plans"] if p["code"] == RATE]
    [unit] = [r["mapped_unit_id"] for r in hotel["room_types"] if r["code"] == ROOM]
    derived = ok(
        tenant.api.post(
            "/api/v1/rate-plans",
            json={
                "property_id": hotel["internal_property_id"],
                "name": "Non-refundable",
                "parent_rate_plan_id": parent,
                "modifier": {"percent": "-10"},
            },
        ),
        201,
    )
    _remap_other_rate(tenant, connection_id, hotel, derived["id"])
    service.tick_until(lambda: outbound_settled(tenant))
    sandbox.state.requests.clear()
    start = shifted_today() + dt.timedelta(days=20)
    end = start + dt.timedelta(days=2)

    queued = ok(
        tenant.api.post(
            "/api/v1/calendar/changes",
            json={
                "changes": [
                    {
                        "unit_id": unit,
                        "rate_plan_id": parent,
                        "from": start.isoformat(),
                        "to": end.isoformat(),
                        "rate": "123.45",
                    }
                ]
            },
        ),
        202,
    )
    [pushes] = queued["pushes"]
    assert pushes["connection_id"] == connection_id
    delivered = service.tick_until(
        lambda: pushes_in(tenant, pushes["push_ids"], "delivered", "failed")
    )

    assert [p["state"] for p in delivered] == ["delivered"], delivered  # one rate message
    held = sandbox_ari(sandbox.base_url, HOTEL, start, end)
    day = start
    while day <= end:
        assert Decimal(held[ROOM, RATE, day.isoformat()]["rate"]) == Decimal("123.45")
        # 90% of 123.45 is 111.105, rounded half away from zero to the cent.
        assert Decimal(held[ROOM, OTHER_RATE, day.isoformat()]["rate"]) == Decimal("111.11")
        day += dt.timedelta(days=1)
    [sent] = sandbox_requests(sandbox.base_url, "/hotels/ota/OTA_HotelRateAmountNotif")
    assert set(re.findall(r'RatePlanCode="(\d+)"', sent["body"])) == {RATE, OTHER_RATE}
