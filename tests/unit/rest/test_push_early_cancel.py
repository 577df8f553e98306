"""A pushed cancellation that overtakes its booking is kept by the inbox and retried, never
dropped.

A cancellation may carry no rooms, hence no HotelCode; it is routed by the reservation it
cancels. When that booking has not arrived yet (push senders do not promise order), dropping
it would leave the booking arriving next live: a phantom reservation holding rooms (found by
the R1 delivery proof). The inbox acknowledges it (it is stored), retries it with backoff, and
flags it when the booking never comes.
"""

from __future__ import annotations

import base64
import re

import httpx
from lxml import etree

from channel_manager.container import Container
from channel_manager.domain.push_inbox import RETRY_FIRST, RETRY_FOR, InboxFailure, InboxState
from channel_manager.domain.reservation import ReservationStatus
from tests.support.clock import MovableClock
from tests.unit.ota.samples import OtaSchemas
from tests.unit.rest.conftest import (
    PEER_HEADER,
    MappedHotel,
    PushClient,
    apply_pushes,
    inbox_rows,
    row_counts,
)
from tests.unit.rest.messages import ALLOWED_PEER, PASSWORD, USER, res_notif, unwrap

PATH = "/ota/booking/reservations"
RES_ID = "4105326478"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def push(client: PushClient, body: bytes) -> httpx.Response:
    headers = {PEER_HEADER: ALLOWED_PEER, "authorization": AUTH, "content-type": "application/xml"}
    return client.post(PATH, content=body, headers=headers)


def roomless_cancel() -> bytes:
    """A Cancel as the sandbox (and Booking.com) may send it: no RoomStays, so no HotelCode."""
    body = res_notif(status="Cancel", modified="2025-03-16T08:00:00+00:00")
    return re.sub(rb"<RoomStays>.*?</RoomStays>", b"", body, flags=re.DOTALL)


def test_a_cancel_ahead_of_its_booking_is_kept_and_applied_by_the_inbox_once_the_booking_is_here(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    early = push(client, roomless_cancel())

    # Stored, so acknowledged: the inbox retries it itself (no resend needed).
    assert early.status_code == 200, early.text
    root, _soap = unwrap(early.content)
    ota_schemas.assert_valid(etree.tostring(root))
    apply_pushes(container)
    [waiting] = inbox_rows(container)
    assert (waiting.state, waiting.failure) == (InboxState.PENDING, InboxFailure.NOT_YET_KNOWN)
    assert waiting.last_error is not None
    assert RES_ID in waiting.last_error
    assert "reservations" not in row_counts(container)

    assert push(client, res_notif()).status_code == 200
    apply_pushes(container)  # the booking; the cancellation waits for its backoff
    assert stored_status(container, hotel) is ReservationStatus.CONFIRMED
    [still] = inbox_rows(container)
    assert still.id == waiting.id

    clock = container.clock()
    assert isinstance(clock, MovableClock)
    clock.advance(RETRY_FIRST)
    assert apply_pushes(container) == 1
    assert inbox_rows(container) == []
    assert stored_status(container, hotel) is ReservationStatus.CANCELLED


def test_a_cancel_whose_booking_never_comes_is_flagged_after_the_retry_window(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    assert push(client, roomless_cancel()).status_code == 200
    clock = container.clock()
    assert isinstance(clock, MovableClock)
    apply_pushes(container)
    while (row := inbox_rows(container)[0]).state is InboxState.PENDING:
        assert row.next_attempt_at is not None
        clock.current = row.next_attempt_at
        assert apply_pushes(container) == 1
    assert row.state is InboxState.FLAGGED
    assert row.failure is InboxFailure.NOT_YET_KNOWN
    assert clock.now() - row.received_at <= RETRY_FOR
    assert row.attempts > 3


def stored_status(container: Container, hotel: MappedHotel) -> ReservationStatus | None:
    with container.uow_factory()() as uow:
        found = uow.reservations.get_by_external(hotel.connection_id, RES_ID)
    return None if found is None else found.status
