"""A Booking.com cancellation fetched by polling, on a booking-connectivity (Extranet)
connection, with the push target off: Booking.com's cancel message carries no RoomStays, so
no HotelCode, and the connection's hotel-claim scope must still let it through (the
reservation it cancels is stored for this connection). It is applied, the rooms go back on
sale and the sandbox's queue has it acknowledged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from booking_sandbox.server import SandboxServer

from .flows import JSON, Tenant, form_fields, map_hotel, ok
from .harness import RunningService
from .inventory import (
    AckWitness,
    booked_rooms,
    nights,
    our_reservations,
    outbound_settled,
    pending_queue_messages,
    sandbox_availability,
    stored_in_database,
)

pytestmark = pytest.mark.e2e

HOTEL = "1000003"  # seed: not connected; connected here through the Extranet request
UNIT_COUNT = 9


def connect_through_extranet(tenant: Tenant, hotel: str) -> str:
    """The booking-connectivity wizard (start, request in the Extranet, return); the
    connection id."""
    started = tenant.api.get(
        "/connect/booking", params={"mode": "booking-connectivity", "hotel_id": hotel}
    )
    assert started.status_code == 302, started.text
    extranet_url = str(started.headers["location"])
    with httpx.Client(timeout=20) as browser:
        page = browser.get(extranet_url)
        action, fields = form_fields(page.text)
        back = browser.post(urljoin(extranet_url, action), data={**fields, "decision": "request"})
    assert back.status_code == 302, back.text
    answer = ok(tenant.api.get(str(back.headers["location"]), headers=JSON))
    assert answer["status"] == "active", answer
    return str(answer["connection_id"])


def queued(sandbox: SandboxServer, reservation_id: str) -> list[str]:
    """The kinds of the sandbox's messages for one reservation still waiting in its queues
    (whatever hotel code they carry)."""
    return [
        str(m.kind)
        for m in sandbox.state.queue.messages
        if m.pending and m.reservation_id == reservation_id
    ]


def test_a_polled_cancellation_without_hotel_code_is_applied_and_acknowledged(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, sandbox_http: httpx.Client
) -> None:
    sandbox_http.delete("/_sandbox/push-target")  # polling only: nothing is pushed to us
    connection_id = connect_through_extranet(tenant, HOTEL)
    map_hotel(tenant, connection_id, HOTEL, UNIT_COUNT)
    witness = AckWitness(sandbox.state, stored_in_database(service, connection_id))
    service.tick_until(
        lambda: pending_queue_messages(sandbox.state, HOTEL) == [] and outbound_settled(tenant)
    )
    before = booked_rooms(our_reservations(tenant))

    def arrived(status: str, external_id: str) -> dict[str, Any] | None:
        found = [r for r in our_reservations(tenant) if r["external_id"] == external_id]
        if found and found[0]["status"] == status and outbound_settled(tenant):
            return found[0]
        return None

    def generate(body: dict[str, str]) -> dict[str, Any]:
        ok(sandbox_http.post("/_sandbox/clock", json={"seconds": 60}))  # a later timestamp
        return dict(ok(sandbox_http.post("/_sandbox/reservations/generate", json=body), 201))

    booking_id = generate({"kind": "new", "hotel_code": HOTEL})["reservation"]["id"]
    booked = service.tick_until(lambda: arrived("confirmed", booking_id))
    generate({"kind": "modify", "reservation_id": booking_id})
    modified = service.tick_until(lambda: arrived("modified", booking_id))

    generate({"kind": "cancel", "reservation_id": booking_id})
    service.tick_until(lambda: arrived("cancelled", booking_id))

    connections = ok(tenant.api.get("/api/v1/connections"))
    assert [c.get("auth_mode") for c in connections if c["id"] == connection_id] == [
        "booking-connectivity"
    ], connections
    # Every night the booking ever took is back on sale at Booking.com.
    touched = {
        (stay["external_room_type_id"], night)
        for reservation in (booked, modified)
        for stay in reservation["room_stays"]
        for night in nights(stay["arrival"], stay["departure"])
    }
    assert touched
    for room, night in touched:
        expected = UNIT_COUNT - before[room, night]
        assert sandbox_availability(sandbox.state, room, night) == expected, (room, night)
    # The cancellation was acknowledged (after our commit), so it is not offered again.
    assert queued(sandbox, booking_id) == []
    assert sum(1 for rid, _stored in witness.seen if rid == booking_id) >= 3
    assert all(stored for _rid, stored in witness.seen)
    # Nothing was left behind as an error in the poll's history.
    runs = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/sync-runs"))
    assert not [error for run in runs for error in run["errors"]], runs
