"""What the channel contract suites need from each implementation under test.

There is one generic suite per capability of a channel (``CatalogSource``, ``ReservationFeed``,
``AriPublisher``); every channel adapter with that capability passes it, fakes included. A
harness owns the adapter and the channel behind it: it knows which hotels exist, can make the
channel create reservation messages, inject faults and read back the ARI state a push set.
Each capability has its harness protocol below; a channel implements the ones it offers.
The in-memory harness drives a ``FakeChannel``; the sandbox harness (``sandbox_harness``) a
``SandboxServer`` over real HTTP. Both have every capability (``GatewayHarness``).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import attrs

from channel_manager.adapters.memory.gateway import (
    FakeChannel,
    FakeChannelGateway,
    GatewayOperation,
)
from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
    ReservationMessageKind,
)
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import Reservation, ReservationStatus, Revision, RoomStay
from channel_manager.ports.channel import (
    AriPublisher,
    CatalogSource,
    ChannelGateway,
    ReservationFeed,
)
from tests.support.clock import shifted_now, shifted_today


class Fault(StrEnum):
    """The fault kinds the sandbox can inject (issue 4)."""

    LATENCY = "latency"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"
    THROTTLED = "throttled"
    MALFORMED = "malformed"
    RESET = "reset"


#: The ``Retry-After`` seconds a THROTTLED fault announces.
THROTTLE_SECONDS = 7


class ChannelHarness(Protocol):
    """What every capability's harness has: the channel's hotels and its faults."""

    @property
    def name(self) -> str:
        """The implementation's name (the test id)."""
        ...

    def hotel_codes(self) -> list[str]:
        """Hotels the connection may manage, sorted."""
        ...

    def currency(self, hotel_code: str) -> str:
        """The hotel's currency."""
        ...

    def sold_pair(self, hotel_code: str) -> tuple[str, str]:
        """A (room type code, rate plan code) that the hotel sells."""
        ...

    def inject(self, fault: Fault, operation: GatewayOperation, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` meet ``fault``."""
        ...


class CatalogHarness(ChannelHarness, Protocol):
    """A channel with a catalog."""

    @property
    def catalog(self) -> CatalogSource:
        """The catalog source under test."""
        ...


class FeedHarness(ChannelHarness, Protocol):
    """A channel with a reservation feed."""

    @property
    def feed(self) -> ReservationFeed:
        """The reservation feed under test."""
        ...

    async def book(self, hotel_code: str) -> str:
        """Make the channel offer a new reservation; its external id."""
        ...

    async def change(self, reservation_id: str, kind: ReservationMessageKind) -> None:
        """Make the channel offer a modification or cancellation."""
        ...


class PublisherHarness(ChannelHarness, Protocol):
    """A channel we publish our calendar to, whose state can be read back."""

    @property
    def publisher(self) -> AriPublisher:
        """The ARI publisher under test."""
        ...

    def availability(self, hotel_code: str, room_code: str, day: date) -> int | None:
        """The availability the channel holds."""
        ...

    def rate(self, hotel_code: str, room_code: str, rate_code: str, day: date) -> Decimal | None:
        """The rate the channel holds."""
        ...


class GatewayHarness(CatalogHarness, FeedHarness, PublisherHarness, Protocol):
    """A channel with every capability (Booking.com and its in-memory stand-in), one gateway
    offering all of them."""

    @property
    def gateway(self) -> ChannelGateway:
        """The gateway under test."""
        ...


class WholeGateway:
    """Each capability of a harness's one ``gateway``."""

    gateway: ChannelGateway

    @property
    def catalog(self) -> CatalogSource:
        return self.gateway

    @property
    def feed(self) -> ReservationFeed:
        return self.gateway

    @property
    def publisher(self) -> AriPublisher:
        return self.gateway


def fake_catalog(hotel_code: str, currency: str, rooms: int, plans: int) -> ExternalCatalog:
    """A hotel with ``rooms`` room types and ``plans`` rate plans."""
    return ExternalCatalog(
        property=ExternalProperty(hotel_code, f"Hotel {hotel_code}", currency),
        room_types=tuple(
            ExternalRoomType(f"{hotel_code}{n:02d}", f"Room {n}", 2) for n in range(1, rooms + 1)
        ),
        rate_plans=tuple(ExternalRatePlan(f"{hotel_code}-R{n}", f"Rate {n}") for n in range(plans)),
    )


class FakeHarness(WholeGateway):
    """The in-memory channel: three connected hotels and one not connected."""

    name = "fake"

    def __init__(self) -> None:
        self.channel = FakeChannel()
        for code, currency in (("1000001", "EUR"), ("1000002", "GBP"), ("1000003", "JPY")):
            self.channel.add_hotel(fake_catalog(code, currency, rooms=3, plans=2))
        self.channel.add_hotel(fake_catalog("1000009", "EUR", 1, 1), connected=False)
        self.gateway: ChannelGateway = FakeChannelGateway(self.channel)
        self._booked: dict[str, Reservation] = {}
        self._next_id = 4_100_000_000

    def hotel_codes(self) -> list[str]:
        return sorted(self.channel.connected)

    def currency(self, hotel_code: str) -> str:
        currency = self.channel.catalogs[hotel_code].property.currency
        assert currency is not None
        return currency

    def sold_pair(self, hotel_code: str) -> tuple[str, str]:
        catalog = self.channel.catalogs[hotel_code]
        return catalog.room_types[0].code, catalog.rate_plans[0].code

    async def book(self, hotel_code: str) -> str:
        self._next_id += 1
        external_id = str(self._next_id)
        room, rate = self.sold_pair(hotel_code)
        arrival = shifted_today() + timedelta(days=30)
        reservation = Reservation(
            id=uuid.uuid4(),
            connection_id=uuid.uuid4(),
            external_id=external_id,
            external_property_id=hotel_code,
            revision=Revision(shifted_now()),
            arrival=arrival,
            departure=arrival + timedelta(days=2),
            room_stays=(
                RoomStay(
                    index=1,
                    external_room_type_id=room,
                    external_rate_plan_id=rate,
                    arrival=arrival,
                    departure=arrival + timedelta(days=2),
                    total=Money.of("200", self.currency(hotel_code)),
                ),
            ),
            currency=self.currency(hotel_code),
        )
        self._booked[external_id] = reservation
        self.channel.enqueue(ChannelReservation(ReservationMessageKind.NEW, reservation, ""))
        return external_id

    async def change(self, reservation_id: str, kind: ReservationMessageKind) -> None:
        current = self._booked[reservation_id]
        status = (
            ReservationStatus.CANCELLED
            if kind is ReservationMessageKind.CANCEL
            else ReservationStatus.MODIFIED
        )
        changed = attrs.evolve(
            current,
            status=status,
            revision=Revision(shifted_now(), current.revision.sequence + 1),
        )
        self._booked[reservation_id] = changed
        self.channel.enqueue(ChannelReservation(kind, changed, ""))

    def inject(self, fault: Fault, operation: GatewayOperation, times: int = 1) -> None:
        if fault is Fault.LATENCY:
            self.channel.delay_next(operation, 0.2, times)
            return
        retry_after = timedelta(seconds=THROTTLE_SECONDS) if fault is Fault.THROTTLED else None
        error = RetryableChannelError(f"injected {fault.value}", retry_after=retry_after)
        self.channel.fail_next(operation, error, times)

    def availability(self, hotel_code: str, room_code: str, day: date) -> int | None:
        return self.channel.availability.get((hotel_code, room_code, day))

    def rate(self, hotel_code: str, room_code: str, rate_code: str, day: date) -> Decimal | None:
        money = self.channel.rates.get((hotel_code, room_code, rate_code, day))
        return None if money is None else money.amount
