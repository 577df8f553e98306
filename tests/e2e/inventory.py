"""Reading both sides of the inventory: the sandbox's reservations and availability, and the
availability our stored reservations imply (what we must have pushed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

from booking_sandbox.model import RecordedRequest
from booking_sandbox.model import Reservation as SandboxReservation
from booking_sandbox.state import SandboxState

from .flows import Tenant, ok
from .harness import RunningService

ACK_PATHS = frozenset({"/hotels/ota/OTA_HotelResNotif", "/hotels/ota/OTA_HotelResModifyNotif"})
_RES_ID = re.compile(r'ResID_Value="([^"]+)"')


def nights(arrival: str, departure: str) -> list[str]:
    """ISO dates of the nights from ``arrival`` up to, not including, ``departure``."""
    start, end = dt.date.fromisoformat(arrival), dt.date.fromisoformat(departure)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days)]


def booked_rooms(reservations: Iterable[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Rooms taken per (channel room type, night) by reservations that are not cancelled."""
    taken: Counter[tuple[str, str]] = Counter()
    for reservation in reservations:
        if reservation["status"] == "cancelled":
            continue
        for stay in reservation["room_stays"]:
            for night in nights(stay["arrival"], stay["departure"]):
                taken[stay["external_room_type_id"], night] += 1
    return taken


def our_reservations(tenant: Tenant) -> list[dict[str, Any]]:
    """Every reservation the organisation sees."""
    return list(ok(tenant.api.get("/api/v1/reservations", params={"limit": 500})))


def sandbox_availability(state: SandboxState, room_id: str, night: str) -> int:
    """Rooms the sandbox offers for one room type and night."""
    with state.lock:
        return state.availability.get((room_id, dt.date.fromisoformat(night)), 0)


def pending_queue_messages(state: SandboxState, hotel_code: str) -> list[str]:
    """Reservation ids still waiting in the sandbox's queues for one hotel."""
    return [
        m.reservation_id for m in state.queue.messages if m.pending and m.hotel_code == hotel_code
    ]


class AckWitness:
    """Watches what the sandbox receives: when an acknowledgement arrives, records for each
    acknowledged reservation whether our database already held it at that moment.
    """

    def __init__(self, state: SandboxState, stored: Callable[[str], bool]) -> None:
        self.seen: list[tuple[str, bool]] = []
        original = state.record

        def record(request: RecordedRequest) -> None:
            original(request)
            if request.method == "POST" and request.path in ACK_PATHS:
                self.seen.extend((rid, stored(rid)) for rid in _RES_ID.findall(request.body))

        state.record = record  # type: ignore[method-assign]


def stored_in_database(service: RunningService, connection_id: str) -> Callable[[str], bool]:
    """Whether a channel reservation id is committed in our database for the connection."""

    def stored(external_id: str) -> bool:
        with service.container.uow_factory()() as uow:
            return uow.reservations.get_by_external(UUID(connection_id), external_id) is not None

    return stored


def outbound_settled(tenant: Tenant) -> bool:
    """No push is waiting or on its way."""
    pushes = ok(tenant.api.get("/api/v1/pushes", params={"limit": 500}))
    return all(p["state"] in {"delivered", "failed"} for p in pushes)


def assert_same_reservation(ours: dict[str, Any], theirs: SandboxReservation) -> None:
    """Our stored reservation carries what the sandbox booked, value for value."""
    assert ours["external_id"] == theirs.id
    assert ours["external_property_id"] == theirs.hotel_code
    assert ours["currency"] == theirs.currency
    assert len(ours["room_stays"]) == len(theirs.stays)
    for stay, booked in zip(ours["room_stays"], theirs.stays, strict=True):
        assert stay["external_room_type_id"] == booked.room_id
        assert stay["external_rate_plan_id"] == booked.rate_plan_id
        assert stay["unit_id"] is not None
        assert (stay["arrival"], stay["departure"]) == (
            booked.arrival.isoformat(),
            booked.departure.isoformat(),
        )
        assert stay["guest_count"] == booked.guest_count
        assert [(p["night"], Decimal(p["amount"]["amount"])) for p in stay["nightly_prices"]] == [
            (night.isoformat(), price)
            for night, price in zip(booked.nights, booked.nightly_prices, strict=True)
        ]
        assert Decimal(stay["total"]["amount"]) == booked.total
        # The sender forms the sandbox uses: spans, children with ages, meal plans.
        assert (stay["adults"], stay["child_ages"]) == (booked.adults, list(booked.child_ages))
        assert stay["meal_plan"] == booked.meal_plan
    assert [
        (s["code"], s["quantity"], Decimal(s["amount"]["amount"]), s["room"])
        for s in ours["services"]
    ] == [(e.code, e.quantity, e.price, e.room_index) for e in theirs.extras]
    assert ours["flags"] == []  # the sandbox's messages add up
    totals = ours["totals"]
    assert Decimal(totals["amount_after_tax"]["amount"]) == theirs.total
    assert Decimal(totals["commission"]["amount"]) == theirs.commission
    assert totals["commission"]["currency"] == theirs.currency
    booker = ours["booker"]
    assert (booker["given_name"], booker["surname"], booker["email"]) == (
        theirs.booker.given_name,
        theirs.booker.surname,
        theirs.booker.email,
    )
    assert booker["phone"] == theirs.booker.phone
    assert booker["address"]["city"] == theirs.booker.city
    assert booker["address"]["country_code"] == theirs.booker.country_code
    guest_names = {(g["given_name"], g["surname"]) for g in ours["guests"]}
    assert {(s.guest.given_name, s.guest.surname) for s in theirs.stays} <= guest_names
    assert ours["payment"]["last_four"] == theirs.card.number[-4:]
    if theirs.comment:  # the sandbox books some reservations without a comment
        assert theirs.comment in ours["remarks"]
