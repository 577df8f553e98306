"""Outbound pushes under failure: transient errors retried (Retry-After honoured), permanent
errors shown as failed and replayed once the cause is fixed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from booking_sandbox.server import SandboxServer
from tests.support.clock import shifted_today

from .flows import (
    Tenant,
    connect_and_map,
    push_view,
    pushes_in,
    sandbox_ari,
    sandbox_requests,
    submit_ari,
)
from .harness import RunningService
from .inventory import outbound_settled

pytestmark = pytest.mark.e2e

HOTEL = "1000002"
AVAIL_PATH = "/hotels/ota/OTA_HotelAvailNotif"
RATE_PATH = "/hotels/ota/OTA_HotelRateAmountNotif"
#: Standard Double Room is sold on the Standard Rate only; Non-refundable is not active for it.
ROOM, ACTIVE_RATE, INACTIVE_RATE = "100000201", "50011", "50012"


def some_nights() -> tuple[dt.date, dt.date]:
    """Three nights a fortnight ahead."""
    start = shifted_today() + dt.timedelta(days=14)
    return start, start + dt.timedelta(days=2)


@pytest.fixture
def connection_id(service: RunningService, tenant: Tenant) -> str:
    """Hotel 1000002 connected and mapped, with the first poll's pushes already delivered."""
    connection = connect_and_map(tenant, HOTEL)
    service.tick_until(lambda: outbound_settled(tenant))
    return connection


def parse_time(value: str) -> dt.datetime:
    """An ISO timestamp from our API or the sandbox's log."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_503_is_retried_and_then_delivered(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, connection_id: str
) -> None:
    start, end = some_nights()
    sandbox.faults.inject(AVAIL_PATH, "5xx", count=1, status=503)
    [push_id] = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": HOTEL,
            "room_type_code": ROOM,
            "start": str(start),
            "end": str(end),
            "availability": 3,
        },
    )

    service.tick()
    first = push_view(tenant, push_id)
    assert (first["state"], first["attempts"]) == ("pending", 1)
    assert f"POST {AVAIL_PATH} failed with 503" in first["last_error"]

    [done] = service.tick_until(lambda: pushes_in(tenant, [push_id], "delivered", "failed"))
    assert (done["state"], done["attempts"]) == ("delivered", 2)
    assert "RUID" in done["confirmation"]
    cells = sandbox_ari(sandbox.base_url, HOTEL, start, end)
    assert {cells[ROOM, ACTIVE_RATE, str(day)]["availability"] for day in (start, end)} == {3}


def test_a_429_waits_for_retry_after_and_then_delivers(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, connection_id: str
) -> None:
    start, end = some_nights()
    sandbox.faults.inject(RATE_PATH, "429", count=1, retry_after=2)
    [push_id] = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": HOTEL,
            "room_type_code": ROOM,
            "rate_plan_code": ACTIVE_RATE,
            "start": str(start),
            "end": str(end),
            "rate": "99.90",
        },
    )

    service.tick()
    waiting = push_view(tenant, push_id)
    [throttled] = sandbox_requests(sandbox.base_url, RATE_PATH)
    assert (waiting["state"], waiting["attempts"]) == ("pending", 1)
    assert "throttled (429)" in waiting["last_error"]
    next_attempt = parse_time(waiting["next_attempt_at"])
    assert next_attempt >= parse_time(throttled["at"]) + dt.timedelta(seconds=2)

    [done] = service.tick_until(lambda: pushes_in(tenant, [push_id], "delivered", "failed"))
    assert (done["state"], done["attempts"]) == ("delivered", 2)
    first_try, second_try = sandbox_requests(sandbox.base_url, RATE_PATH)
    assert first_try == throttled
    assert parse_time(second_try["at"]) >= next_attempt
    cells = sandbox_ari(sandbox.base_url, HOTEL, start, end)
    assert {Decimal(cells[ROOM, ACTIVE_RATE, str(day)]["rate"]) for day in (start, end)} == {
        Decimal("99.90")
    }


def test_a_permanent_rejection_is_failed_visibly_and_replayable_after_the_fix(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, connection_id: str
) -> None:
    start, end = some_nights()
    [push_id] = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": HOTEL,
            "room_type_code": ROOM,
            "rate_plan_code": INACTIVE_RATE,
            "start": str(start),
            "end": str(end),
            "rate": "150.00",
        },
    )

    [failed] = service.tick_until(lambda: pushes_in(tenant, [push_id], "delivered", "failed"))
    assert (failed["state"], failed["attempts"]) == ("failed", 1)
    assert (
        f"RatePlanCode '{INACTIVE_RATE}' not active for InvTypeCode '{ROOM}'"
        in failed["last_error"]
    )
    listed = tenant.api.get("/api/v1/pushes", params={"state": "failed"}).json()
    assert [p["id"] for p in listed] == [push_id]
    health = tenant.api.get(f"/api/v1/connections/{connection_id}").json()
    assert health["failed_pushes"] == 1

    # The property activates the rate plan for that room on Booking.com; we replay the push.
    with sandbox.state.lock:
        hotel = sandbox.state.hotels[HOTEL]
        rooms = tuple(
            attrs.evolve(r, rate_plan_ids=(*r.rate_plan_ids, INACTIVE_RATE)) if r.id == ROOM else r
            for r in hotel.rooms
        )
        sandbox.state.hotels[HOTEL] = attrs.evolve(hotel, rooms=rooms)
    replayed = tenant.api.post(f"/api/v1/pushes/{push_id}/retry")
    assert replayed.status_code in {200, 201}, replayed.text
    assert (replayed.json()["state"], replayed.json()["attempts"]) == ("pending", 0)

    [done] = service.tick_until(lambda: pushes_in(tenant, [push_id], "delivered", "failed"))
    assert (done["state"], done["attempts"]) == ("delivered", 1)
    cells = sandbox_ari(sandbox.base_url, HOTEL, start, end)
    assert {Decimal(cells[ROOM, INACTIVE_RATE, str(day)]["rate"]) for day in (start, end)} == {
        Decimal("150.00")
    }
    assert tenant.api.get(f"/api/v1/connections/{connection_id}").json()["failed_pushes"] == 0
