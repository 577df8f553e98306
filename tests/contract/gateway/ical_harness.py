"""The iCal channel under the generic contract suites: an ``IcalGateway`` over an
``InMemoryFeedReader`` and the SQLAlchemy repositories on a private copy of the migrated
SQLite template.

"Booking" adds an Airbnb stay to the feed, a modification moves it, a cancellation takes it
out. The feed also shows one block from the start, already in the baseline, so a feed whose
only stay is cancelled is not empty (an empty feed would be held as suspect, which has its
own tests). A feed has one hotel (the connection's own code), one room type and no rate plan.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from channel_manager.adapters.ical.gateway import IcalGateway
from channel_manager.adapters.memory.feed_reader import InMemoryFeedReader
from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.domain.feed import FEED_ROOM_CODE, FeedEvent, KnownEvent
from channel_manager.domain.inventory import Organization, Property, Unit, local_today
from channel_manager.ports.repositories import UnitOfWork
from tests.support.clock import MovableClock
from tests.support.database import fresh_engine
from tests.support.feeds import StoredFeed, airbnb_block, airbnb_stay, store_feed_connection

from .gateway_harness import THROTTLE_SECONDS, Fault


class DictSecrets:
    """Sealed secrets as plain bytes by reference (the credential store's part we need)."""

    def __init__(self) -> None:
        self.by_ref: dict[str, bytes] = {}

    def put(self, _uow: UnitOfWork, ref: str, material: bytes) -> None:
        self.by_ref[ref] = material

    def load(self, ref: str) -> bytes:
        return self.by_ref[ref]


class IcalHarness:
    """One iCal connection filling a unit of an Amsterdam property, in EUR."""

    name = "ical"

    def __init__(self) -> None:
        self.clock = MovableClock()
        self.reader = InMemoryFeedReader()
        self.uow_factory = SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=self.clock)
        self.secrets = DictSecrets()
        organization = Organization(uuid.uuid4(), "hosts")
        self.property = Property(
            uuid.uuid4(), organization.id, "Sea View", "EUR", "Europe/Amsterdam"
        )
        self.unit = Unit(uuid.uuid4(), self.property.id, "Loft", count=1, max_occupancy=4)
        with self.uow_factory() as uow:
            uow.organizations.add(organization)
            uow.properties.add(self.property)
            uow.units.add(self.unit)
            uow.commit()
        self.stored: StoredFeed = store_feed_connection(
            self.uow_factory, self.unit, organization.id, self.clock.now(), self.secrets.put
        )
        self.today = local_today(self.clock.now(), self.property.timezone)
        anchor = airbnb_block(self.today + timedelta(days=200), 3, "anchor@airbnb.com")
        self.reader.publish(self.stored.url, [anchor])
        with self.uow_factory() as uow:
            uow.calendar_feeds.put_known(
                self.stored.connection.id, [KnownEvent(key="anchor@airbnb.com", event=anchor)]
            )
            uow.commit()
        self.gateway = IcalGateway(
            self.stored.connection,
            reader=self.reader,
            uow_factory=self.uow_factory,
            secrets=self.secrets,
            clock=self.clock,
        )
        self._booked: dict[str, FeedEvent] = {}

    @property
    def catalog(self) -> IcalGateway:
        return self.gateway

    @property
    def feed(self) -> IcalGateway:
        return self.gateway

    def hotel_codes(self) -> list[str]:
        return [self.stored.hotel_code]

    def currency(self, hotel_code: str) -> str:
        assert hotel_code == self.stored.hotel_code
        return self.property.currency

    def sold_pair(self, hotel_code: str) -> tuple[str, str]:
        """The unit's room code; a feed has no rate plan (the rate code is empty)."""
        assert hotel_code == self.stored.hotel_code
        return FEED_ROOM_CODE, ""

    async def book(self, hotel_code: str) -> str:
        assert hotel_code == self.stored.hotel_code
        code = f"HM{len(self._booked) + 1:06d}"
        stay = airbnb_stay(self.today + timedelta(days=30 + 4 * len(self._booked)), 2, code)
        self._booked[code] = stay
        self.reader.add(self.stored.url, stay)
        return code

    async def change(self, reservation_id: str, kind: ReservationMessageKind) -> None:
        current = self._booked[reservation_id]
        if kind is ReservationMessageKind.CANCEL:
            self.reader.remove(self.stored.url, current)
            return
        longer = FeedEvent(
            uid=current.uid,
            start=current.start,
            end=current.end + timedelta(days=1),
            kind=current.kind,
            summary=current.summary,
            confirmation_code=current.confirmation_code,
            phone_last_digits=current.phone_last_digits,
        )
        self.reader.replace(self.stored.url, current, longer)
        self._booked[reservation_id] = longer

    def inject(self, fault: Fault, operation: GatewayOperation, times: int = 1) -> None:
        """Every fault of a fetch is a transient failure of the reader (timeouts, 5xx, 429,
        resets; a malformed body is one too here: the next fetch may well be whole)."""
        assert operation is GatewayOperation.FETCH_RESERVATIONS, operation
        retry_after = timedelta(seconds=THROTTLE_SECONDS) if fault is Fault.THROTTLED else None
        self.reader.fail_next(
            RetryableChannelError(f"injected {fault.value}", retry_after=retry_after), times
        )
