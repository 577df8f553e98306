"""A reservation backlog is read a page at a time, however large it grew.

Booking.com serves every pending message again on each GET until it is acknowledged. Without a
page size, a backlog (an outage, a property joining with thousands of bookings) came back as one
body; past about 1,200 reservations it exceeded what our parser accepts (5 MB), the fetch failed
on every poll, nothing was ever acknowledged again and Booking.com would e-mail each booking to
the hotel. Found by the R1 delivery proof at its full size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import pytest

from booking_sandbox.config import SandboxConfig
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.booking.reservation_queue import DEFAULT_QUEUE_LIMIT

from .sandbox_harness import SandboxHarness

BACKLOG = 1_500  # about 6 MB as one OTA_HotelResNotifRQ
FETCH_PATHS = {"/hotels/ota/OTA_HotelResNotif", "/hotels/ota/OTA_HotelResModifyNotif"}


@pytest.fixture
async def booking_year() -> AsyncIterator[SandboxHarness]:
    """The gateway against a sandbox with a year of inventory, so the backlog fits."""
    with SandboxServer(seed=11, config=SandboxConfig(ari_days=365)) as server:
        harness = SandboxHarness(server)
        yield harness
        await harness.aclose()


async def test_a_backlog_bigger_than_one_message_drains_page_by_page(
    booking_year: SandboxHarness,
) -> None:
    state = booking_year.server.state
    hotels = booking_year.hotel_codes()
    booked = {state.generate("new", hotels[i % len(hotels)]).id for i in range(BACKLOG)}

    imported: set[str] = set()
    pages = 0
    while served := [m async for m in booking_year.gateway.fetch_reservations()]:
        assert len(served) <= 2 * DEFAULT_QUEUE_LIMIT  # a page per queue
        await booking_year.gateway.acknowledge(served)
        imported |= {m.reservation.external_id for m in served}
        pages += 1

    assert booked <= imported
    assert pages >= BACKLOG // DEFAULT_QUEUE_LIMIT
    gets = [r for r in state.requests if r.method == "GET" and r.path in FETCH_PATHS]
    assert all(parse_qs(r.query).get("limit") == [str(DEFAULT_QUEUE_LIMIT)] for r in gets)


async def test_the_page_size_is_the_configured_queue_limit() -> None:
    """``CM_BOOKING_QUEUE_LIMIT`` reaches the GET (Booking.com's bound on it is unconfirmed)."""
    with SandboxServer(seed=11) as server:
        harness = SandboxHarness(server, queue_limit=7)
        try:
            state = server.state
            hotels = harness.hotel_codes()
            for i in range(10):
                state.generate("new", hotels[i % len(hotels)])
            served = [m async for m in harness.gateway.fetch_reservations()]
        finally:
            await harness.aclose()
    assert 0 < len(served) <= 2 * 7
    gets = [r for r in state.requests if r.method == "GET" and r.path in FETCH_PATHS]
    assert gets
    assert all(parse_qs(r.query).get("limit") == ["7"] for r in gets)
