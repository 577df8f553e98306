"""A pulled reservation remembers the message-log entry of the message it came in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx

from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.factory import BookingGatewayFactory
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.message_log import MessageRecord
from channel_manager.adapters.booking.tokens import BasicCredentials
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.messages import MessageDirection
from channel_manager.ports.vault import Secret
from tests.support.clock import shifted_now

SAMPLE = Path(__file__).parents[2] / "resources/booking/booking_res_notif_multi_room.xml"
EMPTY = (
    b'<OTA_HotelResModifyNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="2.001">'
    b"<HotelResModifies/></OTA_HotelResModifyNotifRQ>"
)


class NumberingSink:
    """Stores nothing; numbers each received message like the message log would."""

    def __init__(self) -> None:
        self.ids: list[UUID] = []

    async def __call__(self, record: MessageRecord) -> UUID | None:
        if record.direction is not MessageDirection.INBOUND:
            return None
        self.ids.append(UUID(int=len(self.ids) + 1))
        return self.ids[-1]


def _answer(request: httpx.Request) -> httpx.Response:
    body = SAMPLE.read_bytes() if request.url.path.endswith("ResNotif") else EMPTY
    return httpx.Response(200, content=body)


async def test_fetched_reservations_carry_the_log_id_of_their_message() -> None:
    sink = NumberingSink()
    http = BookingHttp(
        BookingEndpoints.single_host("https://booking.test"),
        transport=httpx.MockTransport(_answer),
        sink=sink,
        clock=shifted_now,
    )
    factory = BookingGatewayFactory(
        http,
        machine_account=BasicCredentials("user", Secret("password")),
        ack_pause=0.001,
        clock=shifted_now,
    )
    connection = Connection(
        id=UUID(int=7),
        organization_id=UUID(int=1),
        channel="booking",
        auth_mode=AuthMode.BOOKING_CONNECTIVITY,
        external_account_id="1000001",
        status=ConnectionStatus.ACTIVE,
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    gateway = factory.for_connection(connection)
    try:
        fetched = [message async for message in gateway.fetch_reservations()]
    finally:
        await http.aclose()

    assert fetched
    assert {m.reservation.raw_message_id for m in fetched} == {sink.ids[0]}
