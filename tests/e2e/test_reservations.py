"""Sync, mapping and the reservation round trip: pulled, stored exactly, acknowledged after our
commit, and the availability they imply pushed back to the sandbox.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from booking_sandbox.server import SandboxServer
from tests.support.waiting import wait_until

from .flows import Tenant, connect_oauth2, create_property, map_hotel, ok
from .harness import RunningService
from .inventory import (
    AckWitness,
    assert_same_reservation,
    booked_rooms,
    nights,
    our_reservations,
    outbound_settled,
    pending_queue_messages,
    sandbox_availability,
    stored_in_database,
)

pytestmark = pytest.mark.e2e

HOTEL = "1000002"  # Grand Lodge London, GBP, 16 room types, 2 rate plans
UNIT_COUNT = 9


def later(sandbox_http: httpx.Client) -> None:
    """Move the sandbox's clock a minute on, so the next change carries a later timestamp."""
    ok(sandbox_http.post("/_sandbox/clock", json={"seconds": 60}))


def connected_and_mapped(tenant: Tenant) -> tuple[str, str, dict[str, Any]]:
    """Our property (two units named like Booking's rooms), the connection and its mapping."""
    property_id = create_property(
        tenant,
        "Grand Lodge London",
        "GBP",
        {"Standard Double Room": UNIT_COUNT, "Twin Room": UNIT_COUNT},
    )
    connection_id = connect_oauth2(tenant, [HOTEL])
    return property_id, connection_id, map_hotel(tenant, connection_id, HOTEL, UNIT_COUNT)


def test_mapping_uses_suggestions_and_creates_the_missing_units(
    tenant: Tenant, sandbox: SandboxServer
) -> None:
    property_id, _connection_id, hotel = connected_and_mapped(tenant)

    ours = {u["name"]: u for u in ok(tenant.api.get(f"/api/v1/properties/{property_id}/units"))}
    booking_rooms = {r.id: r.name for r in sandbox.state.hotels[HOTEL].rooms}
    assert hotel["internal_property_id"] == property_id
    assert set(ours) == set(booking_rooms.values())
    mapped = {room["code"]: room["mapped_unit_id"] for room in hotel["room_types"]}
    assert mapped == {code: ours[name]["id"] for code, name in booking_rooms.items()}
    # The two units we had were matched by name; the other fourteen were created.
    assert ours["Standard Double Room"]["count"] == UNIT_COUNT
    assert sum(1 for u in ours.values() if u["max_occupancy"] != 4) >= 1
    assert sorted(p["code"] for p in hotel["rate_plans"]) == ["50011", "50012"]
    assert all(p["mapped_rate_plan_id"] for p in hotel["rate_plans"])


def test_sync_pulls_stores_and_acknowledges_after_commit(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    _property_id, connection_id, _hotel = connected_and_mapped(tenant)
    witness = AckWitness(sandbox.state, stored_in_database(service, connection_id))
    expected = {r.id: r for r in sandbox.state.reservations.values() if r.hotel_code == HOTEL}
    assert len(expected) == 3

    run = ok(tenant.api.post(f"/api/v1/connections/{connection_id}/sync"), 202)
    assert run["status"] == "running"
    finished = wait_until(
        lambda: (
            (r := ok(tenant.api.get(f"/api/v1/sync-runs/{run['id']}")))["status"] != "running" and r
        )
    )

    assert finished["status"] == "succeeded", finished
    assert finished["counts"]["reservations"] == 3
    assert finished["counts"]["acknowledged"] == 3
    stored = {r["external_id"]: r for r in our_reservations(tenant)}
    assert set(stored) == set(expected)
    for external_id, theirs in expected.items():
        assert stored[external_id]["status"] == "confirmed"
        assert_same_reservation(stored[external_id], theirs)
    detail = ok(tenant.api.get(f"/api/v1/reservations/{stored[next(iter(expected))]['id']}"))
    assert detail == stored[next(iter(expected))]
    # Acknowledged, and only once each was committed on our side.
    assert pending_queue_messages(sandbox.state, HOTEL) == []
    assert sorted(witness.seen) == sorted((rid, True) for rid in expected)
    # No card number left our side of the wire in a stored reservation.
    everything = httpx.get(
        f"{service.base_url}/api/v1/reservations", headers=tenant.api.headers
    ).text
    assert all(r.card.number not in everything for r in expected.values())


def test_booking_modification_and_cancellation_flow_back_as_availability(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, sandbox_http: httpx.Client
) -> None:
    _property_id, connection_id, _hotel = connected_and_mapped(tenant)
    witness = AckWitness(sandbox.state, stored_in_database(service, connection_id))
    service.tick_until(lambda: len(our_reservations(tenant)) == 3 and outbound_settled(tenant))
    before = booked_rooms(our_reservations(tenant))

    def arrived(status: str, external_id: str) -> dict[str, Any] | None:
        found = [r for r in our_reservations(tenant) if r["external_id"] == external_id]
        if found and found[0]["status"] == status and outbound_settled(tenant):
            return found[0]
        return None

    # A new booking on Booking.com arrives on the next poll...
    made = ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate", json={"kind": "new", "hotel_code": HOTEL}
        ),
        201,
    )
    booking_id = made["reservation"]["id"]
    booked = service.tick_until(lambda: arrived("confirmed", booking_id))
    assert_same_reservation(booked, sandbox.state.reservations[booking_id])
    # ...and the unit's sellable count, one room lower, goes back out.
    taken = [
        (stay["external_room_type_id"], night)
        for stay in booked["room_stays"]
        for night in nights(stay["arrival"], stay["departure"])
    ]
    for room, night in taken:
        expected = UNIT_COUNT - before[room, night] - taken.count((room, night))
        assert sandbox_availability(sandbox.state, room, night) == expected, (room, night)

    # A modification (a minute later) replaces the stays; the availability follows them.
    later(sandbox_http)
    ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate", json={"kind": "modify", "reservation_id": booking_id}
        ),
        201,
    )
    modified = service.tick_until(lambda: arrived("modified", booking_id))
    assert_same_reservation(modified, sandbox.state.reservations[booking_id])
    now_booked = booked_rooms(our_reservations(tenant))
    for stay in modified["room_stays"]:
        for night in nights(stay["arrival"], stay["departure"]):
            room = stay["external_room_type_id"]
            expected = UNIT_COUNT - now_booked[room, night]
            assert sandbox_availability(sandbox.state, room, night) == expected, (room, night)

    # The cancellation gives the rooms back: availability rises to what it was before.
    later(sandbox_http)
    ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate", json={"kind": "cancel", "reservation_id": booking_id}
        ),
        201,
    )
    service.tick_until(lambda: arrived("cancelled", booking_id))
    touched = set(taken) | {
        (stay["external_room_type_id"], night)
        for stay in modified["room_stays"]
        for night in nights(stay["arrival"], stay["departure"])
    }
    for room, night in touched:
        assert sandbox_availability(sandbox.state, room, night) == UNIT_COUNT - before[room, night]
    assert pending_queue_messages(sandbox.state, HOTEL) == []
    assert all(stored for _rid, stored in witness.seen)
    assert {rid for rid, _ in witness.seen} >= {booking_id}
