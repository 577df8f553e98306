"""A pushed cancellation that overtakes its booking is answered "resend later", never dropped.

A cancellation may carry no rooms, hence no HotelCode; it is routed by the reservation it
cancels. When that booking has not arrived yet (push senders do not promise order), a 4xx
answer would make the sender drop the cancellation for good, and the booking arriving next
would stay live: a phantom reservation holding rooms. Found by the R1 delivery proof.
"""

from __future__ import annotations

import base64
import re

import httpx
from lxml import etree

from channel_manager.container import Container
from channel_manager.domain.reservation import ReservationStatus
from tests.unit.ota.samples import OtaSchemas
from tests.unit.rest.conftest import PEER_HEADER, MappedHotel, PushClient, row_counts
from tests.unit.rest.messages import ALLOWED_PEER, PASSWORD, USER, ota_errors, res_notif, unwrap

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


def test_a_cancel_ahead_of_its_booking_is_retryable_and_applied_once_the_booking_is_here(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    early = push(client, roomless_cancel())

    assert early.status_code == 503, early.text
    assert early.headers["retry-after"] == "5"
    root, _soap = unwrap(early.content)
    ota_schemas.assert_valid(etree.tostring(root))
    [error] = ota_errors(early.content)
    assert RES_ID in (error.text or "")
    assert "reservations" not in row_counts(container)

    assert push(client, res_notif()).status_code == 200
    resent = push(client, roomless_cancel())

    assert resent.status_code == 200, resent.text
    with container.uow_factory()() as uow:
        stored = uow.reservations.get_by_external(hotel.connection_id, RES_ID)
    assert stored is not None
    assert stored.status is ReservationStatus.CANCELLED
