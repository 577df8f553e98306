"""The sandbox's in-memory world: hotels, ARI, connections, reservations, queues and logs.

One `SandboxState` backs one app. Mutations take a lock, so tests may poke the state from their
own thread while the server runs in another; everything else runs on the server's event loop.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any, Protocol

from booking_sandbox import seed as seeding
from booking_sandbox.auth import Principal, TokenAuthority
from booking_sandbox.clock import SandboxClock
from booking_sandbox.config import SandboxConfig
from booking_sandbox.generator import ReservationGenerator
from booking_sandbox.ical import FeedCalendars
from booking_sandbox.model import (
    ConnectionStatus,
    Hotel,
    HotelConnection,
    MessageKind,
    RateCell,
    RecordedRequest,
    Reservation,
)
from booking_sandbox.oauth import OAuthServer
from booking_sandbox.queue import ReservationQueue


class StateStore(Protocol):
    """Somewhere a state is saved (booking_sandbox.persistence.StateFile)."""

    def save(self, state: SandboxState) -> bool:
        """Write the state if it changed; True when it wrote."""
        ...


#: Recorded requests kept in memory; older ones are dropped first.
MAX_RECORDED = 10_000


class ConnectionsApiError(Exception):
    """A Connections API refusal: HTTP `status` plus Booking.com's numeric `code`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class SandboxState:
    """Everything the sandbox knows. Build with `SandboxState.seeded(seed)`."""

    def __init__(
        self, config: SandboxConfig | None = None, clock: SandboxClock | None = None, seed: int = 1
    ) -> None:
        self.config = config or SandboxConfig()
        self.clock = clock or SandboxClock(self.config.clock_offset)
        self.seed = seed
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.hotels: dict[str, Hotel] = {}
        self.availability: dict[tuple[str, dt.date], int] = {}
        self.cells: dict[tuple[str, str, dt.date], RateCell] = {}
        self.connections: dict[str, HotelConnection] = {}
        self.reservations: dict[str, Reservation] = {}
        self.queue = ReservationQueue(self.clock.now)
        self.requests: list[RecordedRequest] = []
        self.push_target: dict[str, str] | None = None
        self.push_log: list[dict[str, Any]] = []
        self.tokens = TokenAuthority(self.config, self.clock.now)
        self.oauth = OAuthServer(self.config, self.tokens, self.clock.now)
        #: Vacation-rental listings with iCal feeds (booking_sandbox.ical).
        self.ical = FeedCalendars(self.clock.now)
        self._room_hotel: dict[str, str] = {}
        #: The number of the newest reservation id handed out (ids count up from here).
        self.last_reservation_number = 4_000_000_001 + seed * 100_000
        #: Where the state is kept across restarts (booking_sandbox.persistence); None: memory.
        self.store: StateStore | None = None

    @classmethod
    def seeded(
        cls,
        seed: int = 1,
        config: SandboxConfig | None = None,
        clock: SandboxClock | None = None,
        *,
        reservations_per_hotel: int = 3,
    ) -> SandboxState:
        """A state with seeded hotels, ARI from today and a few unacknowledged bookings each."""
        state = cls(config, clock, seed)
        today = state.clock.today()
        for index, hotel in enumerate(seed_hotels(state)):
            state.add_hotel(hotel)
            availability, cells = seeding.make_ari(state.rng, hotel, today, state.config.ari_days)
            state.availability.update(availability)
            state.cells.update(cells)
            if index < state.config.preconnected_hotels:
                state.connections[hotel.code] = HotelConnection(
                    ConnectionStatus.CONNECTED, connected_at=state.clock.now()
                )
        generator = ReservationGenerator(state)
        for hotel_code in state.hotels:
            for _ in range(reservations_per_hotel):
                generator.generate(MessageKind.NEW, hotel_code)
        if state.config.ical_seed_listing:
            seeding.seed_ical_listing(state.ical, today)
        return state

    # -- hotels and visibility -------------------------------------------------------------
    def add_hotel(self, hotel: Hotel) -> None:
        """Register a hotel (not connected)."""
        with self.lock:
            self.hotels[hotel.code] = hotel
            self.connections.setdefault(hotel.code, HotelConnection())
            for room in hotel.rooms:
                self._room_hotel[room.id] = hotel.code

    def hotel(self, code: str) -> Hotel | None:
        """The hotel with this HotelCode, if any."""
        return self.hotels.get(code)

    def visible_hotel_codes(self, principal: Principal) -> list[str]:
        """Hotels a caller may see: OAuth grants their approved hotels, machines the connected."""
        if principal.hotel_codes is not None:
            return [c for c in self.hotels if c in principal.hotel_codes]
        return [
            c for c, conn in self.connections.items() if conn.status is ConnectionStatus.CONNECTED
        ]

    # -- connections ---------------------------------------------------------------------------
    def connection(self, hotel_code: str) -> HotelConnection:
        """Connection state of a known hotel; 400/320 for a malformed id, 400/450 if unknown."""
        if not hotel_code.isdigit():
            raise ConnectionsApiError(400, 320, f"invalid value for property id: {hotel_code!r}")
        connection = self.connections.get(hotel_code)
        if connection is None:
            raise ConnectionsApiError(400, 450, f"unable to process: unknown property {hotel_code}")
        return connection

    def request_connection(self, hotel_code: str) -> HotelConnection:
        """The property asks (in the Extranet) to connect to the provider."""
        with self.lock:
            connection = self.connection(hotel_code)
            if connection.status is not ConnectionStatus.CONNECTED:
                connection.status = ConnectionStatus.PENDING
                connection.requested_at = self.clock.now()
            return connection

    def decide_connection(self, hotel_code: str, *, accept: bool) -> HotelConnection:
        """The provider accepts or rejects a pending request (403/635 when there is none)."""
        with self.lock:
            connection = self.connection(hotel_code)
            if connection.status is not ConnectionStatus.PENDING:
                raise ConnectionsApiError(
                    403, 635, f"no pending connection request for {hotel_code}"
                )
            if accept:
                connection.status = ConnectionStatus.CONNECTED
                connection.connected_at = self.clock.now()
            else:
                connection.status = ConnectionStatus.NOT_CONNECTED
            return connection

    def deactivate_connection(self, hotel_code: str) -> HotelConnection:
        """The provider ends a connection (400/450 if the property is not connected)."""
        with self.lock:
            connection = self.connection(hotel_code)
            if connection.status is not ConnectionStatus.CONNECTED:
                raise ConnectionsApiError(400, 450, f"property {hotel_code} is not connected")
            connection.status = ConnectionStatus.NOT_CONNECTED
            connection.connected_at = None
            return connection

    # -- ARI ---------------------------------------------------------------------------------------
    def cell(self, room_id: str, rate_id: str, day: dt.date) -> RateCell:
        """The rate/restriction cell, created empty on first write."""
        with self.lock:
            return self.cells.setdefault((room_id, rate_id, day), RateCell())

    def ari_snapshot(self, hotel: Hotel, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Per room/rate/date values for the JSON debug endpoint (end inclusive)."""
        rows = []
        day = start
        while day <= end:
            for room in hotel.rooms:
                for rate_id in room.rate_plan_ids:
                    cell = self.cells.get((room.id, rate_id, day), RateCell())
                    rows.append(
                        {
                            "date": day.isoformat(),
                            "room_id": room.id,
                            "rate_plan_id": rate_id,
                            "availability": self.availability.get((room.id, day), 0),
                            "rate": None if cell.price is None else str(cell.price),
                            "min_los": cell.min_los,
                            "max_los": cell.max_los,
                            "closed": cell.closed,
                            "closed_to_arrival": cell.closed_to_arrival,
                            "closed_to_departure": cell.closed_to_departure,
                        }
                    )
            day += dt.timedelta(days=1)
        return rows

    # -- reservations ---------------------------------------------------------------------------
    def next_reservation_id(self) -> str:
        """A fresh 10-digit ResID_Value."""
        with self.lock:
            self.last_reservation_number += 1
            return str(self.last_reservation_number)

    def generate(
        self,
        kind: str = "new",
        hotel_code: str | None = None,
        reservation_id: str | None = None,
        *,
        stay: tuple[str, dt.date, dt.date] | None = None,
    ) -> Reservation:
        """Create a booking, modification or cancellation consistent with inventory; queue it.
        A new booking with ``stay`` (room id, arrival, departure) books exactly that.

        Raises `GenerationError` when there is nothing to book or change.
        """
        return ReservationGenerator(self).generate(
            MessageKind(kind), hotel_code, reservation_id, stay=stay
        )

    def persist(self) -> None:
        """Save the state to its store, if it has one (changes made by calling this object
        directly are saved by the next request, event or shutdown, or by calling this)."""
        if self.store is not None:
            self.store.save(self)

    def record(self, request: RecordedRequest) -> None:
        """Keep a (masked) request for `GET /_sandbox/requests` (the newest MAX_RECORDED)."""
        with self.lock:
            self.requests.append(request)
            if len(self.requests) > MAX_RECORDED:
                # A long demo run polls every 20 s; keep memory bounded.
                del self.requests[: len(self.requests) - MAX_RECORDED]


def seed_hotels(state: SandboxState) -> list[Hotel]:
    """The seeded hotels for this state's seed and config."""
    return seeding.make_hotels(state.rng, state.config.hotel_count)
