"""Rates, availability and restrictions out: what we set is what the sandbox holds afterwards."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import httpx
import pytest

from booking_sandbox.server import SandboxServer
from tests.support.clock import shifted_today

from .flows import (
    Tenant,
    connect_and_map,
    ok,
    pushes_in,
    sandbox_ari,
    sandbox_requests,
    submit_ari,
)
from .harness import RunningService
from .inventory import booked_rooms, our_reservations, outbound_settled, sandbox_availability

pytestmark = pytest.mark.e2e

HOTEL = "1000002"
ROOM = "100000203"  # Deluxe King Room: sold on both rate plans
RATE = "50011"
OTHER_RATE = "50012"


def month_boundary_range() -> tuple[dt.date, dt.date]:
    """Seven days around the first day of the month after next (inside the sandbox's horizon)."""
    today = shifted_today()
    first_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    first_after = (first_next + dt.timedelta(days=32)).replace(day=1)
    return first_after - dt.timedelta(days=3), first_after + dt.timedelta(days=3)


def test_ari_over_a_month_boundary_reaches_the_sandbox_exactly(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    connection_id = connect_and_map(tenant, HOTEL)
    service.tick_until(lambda: outbound_settled(tenant))
    start, end = month_boundary_range()
    before = sandbox_ari(
        sandbox.base_url, HOTEL, start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    )
    last_two = end - dt.timedelta(days=1)
    sandbox.state.requests.clear()

    push_ids = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": HOTEL,
            "room_type_code": ROOM,
            "rate_plan_code": RATE,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "availability": 4,
            "rate": "123.45",
            "min_los": 2,
            "max_los": 7,
            "closed_to_arrival": True,
            "closed_to_departure": False,
            "stop_sell": False,
        },
        {
            "hotel_code": HOTEL,
            "room_type_code": ROOM,
            "rate_plan_code": RATE,
            "start": last_two.isoformat(),
            "end": end.isoformat(),
            "stop_sell": True,
            "closed_to_departure": True,
        },
    )
    delivered = service.tick_until(lambda: pushes_in(tenant, push_ids, "delivered", "failed"))

    assert [p["state"] for p in delivered] == ["delivered"] * len(push_ids), delivered
    assert all(re.search(r"RUID", p["confirmation"] or "") for p in delivered)
    assert {p["message"] for p in delivered} == {
        "OTA_HotelAvailNotifRQ",
        "OTA_HotelRateAmountNotifRQ",
    }
    after = sandbox_ari(
        sandbox.base_url, HOTEL, start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    )
    day = start
    while day <= end:
        cell = after[ROOM, RATE, day.isoformat()]
        closing = day >= last_two
        assert cell["availability"] == 4, cell
        assert Decimal(cell["rate"]) == Decimal("123.45"), cell
        assert (cell["min_los"], cell["max_los"]) == (2, 7), cell
        assert cell["closed"] is closing, cell
        assert cell["closed_to_arrival"] is True, cell
        assert cell["closed_to_departure"] is closing, cell
        # Availability is per room; the other rate plan's price is untouched.
        other = after[ROOM, OTHER_RATE, day.isoformat()]
        assert other["availability"] == 4
        assert other["rate"] == before[ROOM, OTHER_RATE, day.isoformat()]["rate"]
        day += dt.timedelta(days=1)
    for outside in (start - dt.timedelta(days=1), end + dt.timedelta(days=1)):
        key = (ROOM, RATE, outside.isoformat())
        assert after[key] == before[key]
    # One month of dates per request, as Booking.com requires.
    sent = sandbox_requests(sandbox.base_url, "/hotels/ota/OTA_HotelAvailNotif") + sandbox_requests(
        sandbox.base_url, "/hotels/ota/OTA_HotelRateAmountNotif"
    )
    assert len(sent) == len(push_ids) >= 4
    for request in sent:
        months = {d[:7] for d in re.findall(r'(?:Start|End)="(\d{4}-\d\d-\d\d)"', request["body"])}
        assert len(months) == 1, request["body"]


def test_ari_for_an_unmapped_room_is_refused_before_anything_is_queued(
    service: RunningService, tenant: Tenant
) -> None:
    connection_id = connect_and_map(tenant, HOTEL)
    start, end = month_boundary_range()
    queued_by_mapping = ok(tenant.api.get("/api/v1/pushes"))

    answer = tenant.api.post(
        f"/api/v1/connections/{connection_id}/ari",
        json={
            "changes": [
                {
                    "hotel_code": HOTEL,
                    "room_type_code": "999999999",
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "availability": 1,
                }
            ]
        },
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["type"] == "unknown_room_type"
    assert "999999999" in answer.json()["error"]["message"]
    # Only what the mapping queued (its rooms' whole calendar), nothing of the refused change.
    pushes = httpx.get(f"{service.base_url}/api/v1/pushes", headers=tenant.api.headers).json()
    assert pushes == queued_by_mapping


def test_a_newly_mapped_room_gets_its_whole_year_at_the_sandbox(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    """Not only the nights a booking changed: every night of the next 365, so Booking.com's
    calendar starts from ours (the sandbox seeds 120 days of its own, nothing after)."""
    connect_and_map(tenant, HOTEL, unit_count=9)
    service.tick_until(lambda: outbound_settled(tenant))

    today = shifted_today()
    taken = booked_rooms(our_reservations(tenant))
    hotel = sandbox.state.hotel(HOTEL)
    assert hotel is not None
    for room in hotel.rooms:
        for day in range(365):
            night = (today + dt.timedelta(days=day)).isoformat()
            expected = 9 - taken[room.id, night]
            assert sandbox_availability(sandbox.state, room.id, night) == expected, (room, night)
        after = (today + dt.timedelta(days=365)).isoformat()
        assert sandbox_availability(sandbox.state, room.id, after) == 0  # never seeded or sent
    pushes = ok(tenant.api.get("/api/v1/pushes", params={"limit": 500}))
    assert {p["state"] for p in pushes} == {"delivered"}
