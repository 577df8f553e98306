"""The Booking.com gateway under test, talking to the sandbox over real HTTP on loopback."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from booking_sandbox.model import ConnectionStatus
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.gateway import BookingChannelGateway
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.message_log import MessageRecord
from channel_manager.adapters.booking.reservation_queue import AccountCadence
from channel_manager.adapters.booking.tokens import MachineAccountTokens
from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.ports.channel import ChannelGateway
from channel_manager.ports.vault import Secret
from tests.support.clock import shifted_now

from .gateway_harness import THROTTLE_SECONDS, Fault, WholeGateway

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
#: Long enough for a loaded CI machine, short enough that timeout faults keep tests quick.
CLIENT_TIMEOUT = 2.0
#: How long a TIMEOUT fault holds a request: well past the client's timeout.
HOLD_SECONDS = 6.0
#: Tests run with a tiny pause after acknowledgements (production: 5 s).
TEST_ACK_PAUSE = 0.05

ENDPOINT_OF = {
    GatewayOperation.LIST_PROPERTIES: "/hotels/ota/OTA_HotelSearch",
    GatewayOperation.GET_CATALOG: "/hotels/xml/roomrates",
    GatewayOperation.FETCH_RESERVATIONS: "/hotels/ota/OTA_HotelResNotif",
    GatewayOperation.ACKNOWLEDGE: "/hotels/ota/OTA_HotelResNotif",
    GatewayOperation.PUSH_AVAILABILITY: "/hotels/ota/OTA_HotelAvailNotif",
    GatewayOperation.PUSH_RATES: "/hotels/ota/OTA_HotelRateAmountNotif",
}


class RecordingSink:
    """A message sink that keeps every record (for masking and RUID assertions)."""

    def __init__(self) -> None:
        self.records: list[MessageRecord] = []

    async def __call__(self, record: MessageRecord) -> None:
        self.records.append(record)


class SandboxHarness(WholeGateway):
    """A started ``SandboxServer`` and a ``BookingChannelGateway`` using its machine account."""

    name = "booking"

    def __init__(
        self, server: SandboxServer, *, ack_attempts: int = 5, queue_limit: int | None = None
    ) -> None:
        self.server = server
        self.sink = RecordingSink()
        self.http = BookingHttp(
            BookingEndpoints.single_host(server.base_url),
            timeout=httpx.Timeout(CLIENT_TIMEOUT),
            sink=self.sink,
            clock=shifted_now,
        )
        self.tokens = MachineAccountTokens(
            self.http, CLIENT_ID, Secret(CLIENT_SECRET), clock=shifted_now
        )
        self.cadence = AccountCadence(ack_pause=TEST_ACK_PAUSE)
        limit: dict[str, Any] = {} if queue_limit is None else {"queue_limit": queue_limit}
        self.gateway: ChannelGateway = BookingChannelGateway(
            BookingApi(self.http, self.tokens),
            self.cadence,
            connection_id=uuid.uuid4(),
            **limit,
            ack_attempts=ack_attempts,
            clock=shifted_now,
        )

    async def aclose(self) -> None:
        await self.gateway.aclose()
        await self.http.aclose()

    def hotel_codes(self) -> list[str]:
        state = self.server.state
        return sorted(
            code
            for code, connection in state.connections.items()
            if connection.status is ConnectionStatus.CONNECTED
        )

    def currency(self, hotel_code: str) -> str:
        return self.server.state.hotels[hotel_code].currency

    def sold_pair(self, hotel_code: str) -> tuple[str, str]:
        room = self.server.state.hotels[hotel_code].rooms[0]
        return room.id, room.rate_plan_ids[0]

    async def book(self, hotel_code: str) -> str:
        return self.server.state.generate("new", hotel_code).id

    async def change(self, reservation_id: str, kind: ReservationMessageKind) -> None:
        sandbox_kind = "cancel" if kind is ReservationMessageKind.CANCEL else "modify"
        self.server.state.generate(sandbox_kind, reservation_id=reservation_id)

    def inject(self, fault: Fault, operation: GatewayOperation, times: int = 1) -> None:
        endpoint = ENDPOINT_OF[operation]
        faults = self.server.faults
        if fault is Fault.LATENCY:
            faults.inject(endpoint, "latency", count=times, delay=0.2)
        elif fault is Fault.TIMEOUT:
            faults.inject(endpoint, "timeout", count=times, delay=HOLD_SECONDS)
        elif fault is Fault.SERVER_ERROR:
            faults.inject(endpoint, "5xx", count=times, status=503)
        elif fault is Fault.THROTTLED:
            faults.inject(endpoint, "429", count=times, retry_after=THROTTLE_SECONDS)
        elif fault is Fault.MALFORMED:
            faults.inject(endpoint, "malformed", count=times)
        else:
            faults.inject(endpoint, "reset", count=times)

    def availability(self, hotel_code: str, room_code: str, day: date) -> int | None:
        return self.server.state.availability.get((room_code, day))

    def rate(self, hotel_code: str, room_code: str, rate_code: str, day: date) -> Decimal | None:
        cell = self.server.state.cells.get((room_code, rate_code, day))
        return None if cell is None else cell.price

    def exchanges(self) -> int:
        """How many token exchanges the sandbox has recorded."""
        return sum(1 for r in self.server.state.requests if r.path.endswith("/exchange"))
