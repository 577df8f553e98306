"""Reservation import at the edges: a change within the same second as the booking, and the
quiet 20-second poll.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from booking_sandbox.clock import SandboxClock
from booking_sandbox.server import SandboxServer
from tests.support.waiting import wait_until

from .flows import Tenant, connect_and_map, ok
from .harness import RunningService
from .inventory import assert_same_reservation, our_reservations, outbound_settled

pytestmark = pytest.mark.e2e

HOTEL = "1000002"


class StoppedClock(SandboxClock):
    """A sandbox clock that stands still: every event gets the same timestamp (to the second,
    which is all OTA timestamps carry).
    """

    def __init__(self, moment: dt.datetime) -> None:
        super().__init__()
        self._moment = moment

    def now(self) -> dt.datetime:
        """Always the same moment."""
        return self._moment


@pytest.fixture
def stopped_sandbox_clock(sandbox: SandboxServer) -> Iterator[None]:
    """Reservation events from now on are stamped with one and the same second."""
    running = sandbox.state.clock
    sandbox.state.clock = StoppedClock(running.now().replace(microsecond=0))
    yield
    sandbox.state.clock = running


def reservation(tenant: Tenant, external_id: str) -> dict[str, Any] | None:
    """Our copy of a channel reservation, if we have it."""
    return next((r for r in our_reservations(tenant) if r["external_id"] == external_id), None)


def test_a_modification_in_the_same_second_as_the_booking_is_not_lost(
    service: RunningService,
    tenant: Tenant,
    sandbox: SandboxServer,
    sandbox_http: httpx.Client,
    stopped_sandbox_clock: None,
) -> None:
    connect_and_map(tenant, HOTEL)
    service.tick_until(lambda: len(our_reservations(tenant)) == 3 and outbound_settled(tenant))
    made = ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate", json={"kind": "new", "hotel_code": HOTEL}
        ),
        201,
    )
    booking_id = made["reservation"]["id"]
    service.tick_until(lambda: reservation(tenant, booking_id))

    ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate", json={"kind": "modify", "reservation_id": booking_id}
        ),
        201,
    )
    # The modification is fetched and acknowledged on the next poll...
    service.tick_until(
        lambda: not [m for m in sandbox.state.queue.messages if m.pending and m.hotel_code == HOTEL]
    )

    # ...so it must have been applied, not discarded as a duplicate of the booking.
    stored = reservation(tenant, booking_id)
    assert stored is not None
    assert stored["status"] == "modified"
    assert_same_reservation(stored, sandbox.state.reservations[booking_id])


def test_polls_that_find_nothing_leave_no_sync_runs_behind(
    service: RunningService, tenant: Tenant
) -> None:
    connection_id = connect_and_map(tenant, HOTEL)
    service.tick_until(lambda: len(our_reservations(tenant)) == 3 and outbound_settled(tenant))
    runs_path = f"/api/v1/connections/{connection_id}/sync-runs"
    before = ok(tenant.api.get(runs_path))

    # Let several 200 ms polls come due and run; the queue is empty each time.
    polls: list[int] = []

    def three_polls_ran() -> bool:
        polls.append(service.tick().polls)
        return sum(polls) >= 3

    wait_until(three_polls_ran, timeout=5, what="three polls")

    after = ok(tenant.api.get(runs_path))
    assert [r["id"] for r in after] == [r["id"] for r in before], [
        (r["kind"], r["counts"]) for r in after[: len(after) - len(before)]
    ]
