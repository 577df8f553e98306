"""The claim scope of a booking-connectivity gateway (issue 12) and a Booking.com cancellation
without rooms, hence without a hotel code: it passes (fetched and acknowledged) only when the
reservation it cancels is stored for this very connection; an unknown one stays queued at
the channel, and one of another connection or organisation is never seen nor acknowledged.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence

import attrs
import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.application.claim_scope import ClaimScopedGateway, HotelNotHeld
from channel_manager.domain.ari_requests import AvailRequest, RateRequest
from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    PushOutcome,
    ReservationMessageKind,
)
from channel_manager.domain.connection import (
    AuthMode,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.inventory import Organization
from tests.support.builders import HOTEL, booking
from tests.support.clock import MovableClock, session_now
from tests.support.database import fresh_engine

OTHER_HOTEL = "1000002"


class QueueGateway:
    """An inner gateway serving a fixed queue of messages and recording acknowledgements (a
    machine account: it would serve every hotel's messages)."""

    acknowledges = True

    def __init__(self, messages: Sequence[ChannelReservation]) -> None:
        self.queue = list(messages)
        self.acknowledged: list[ChannelReservation] = []

    async def list_properties(self) -> AsyncIterator[ExternalProperty]:
        for _ in ():
            yield _

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        raise NotImplementedError

    async def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        for message in self.queue:
            yield message

    async def acknowledge(self, ack_keys: Sequence[ChannelReservation]) -> None:
        self.acknowledged.extend(ack_keys)
        self.queue = [m for m in self.queue if m not in ack_keys]

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        raise NotImplementedError

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


def _connection(hotel: str) -> Connection:
    return Connection(
        id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="booking",
        auth_mode=AuthMode.BOOKING_CONNECTIVITY,
        status=ConnectionStatus.ACTIVE,
        external_account_id=hotel,
        created_at=session_now(),
    )


def _add(uows: SqlAlchemyUnitOfWorkFactory, connection: Connection) -> None:
    """``connection`` and its organisation, stored."""
    with uows() as uow:
        uow.organizations.add(Organization(connection.organization_id, "Hotels"))
        uow.connections.add(connection)
        uow.commit()


def _holding(uows: SqlAlchemyUnitOfWorkFactory, hotel: str) -> Connection:
    """A connection (of its own organisation) holding a claim on ``hotel``."""
    connection = _connection(hotel)
    _add(uows, connection)
    with uows() as uow:
        uow.hotel_claims.add(
            HotelClaim(
                channel="booking",
                external_property_id=hotel,
                organization_id=connection.organization_id,
                connection_id=connection.id,
                claimed_at=session_now(),
            )
        )
        uow.commit()
    return connection


def _store(uows: SqlAlchemyUnitOfWorkFactory, connection: Connection, external_id: str) -> None:
    """Reservation ``external_id`` as stored for ``connection`` (its booking came in)."""
    message = booking(external_id, hotel_code=connection.external_account_id or "")
    with uows() as uow:
        uow.reservations.add(attrs.evolve(message.reservation, connection_id=connection.id))
        uow.commit()


def _cancel_without_hotel(external_id: str) -> ChannelReservation:
    """Booking.com's cancellation: no RoomStays, so no HotelCode."""
    message = booking(external_id, kind=ReservationMessageKind.CANCEL, hotel_code="")
    return attrs.evolve(message, ack_key=f"cancel:{external_id}")


@pytest.fixture
def uows() -> SqlAlchemyUnitOfWorkFactory:
    return SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=MovableClock())


async def _fetch(gateway: ClaimScopedGateway) -> list[ChannelReservation]:
    return [message async for message in gateway.fetch_reservations()]


async def test_a_cancel_without_hotel_of_a_reservation_stored_here_is_fetched_and_acknowledged(
    uows: SqlAlchemyUnitOfWorkFactory,
) -> None:
    ours = _holding(uows, HOTEL)
    _store(uows, ours, "R-1")
    cancel = _cancel_without_hotel("R-1")
    inner = QueueGateway([cancel])
    gateway = ClaimScopedGateway(inner, ours, uows)

    fetched = await _fetch(gateway)
    await gateway.acknowledge(fetched)

    assert fetched == [cancel]
    assert inner.acknowledged == [cancel]


async def test_a_cancel_without_hotel_of_an_unknown_reservation_stays_queued_and_is_logged(
    uows: SqlAlchemyUnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ours = _holding(uows, HOTEL)
    cancel = _cancel_without_hotel("R-NOT-YET")
    inner = QueueGateway([cancel])
    gateway = ClaimScopedGateway(inner, ours, uows)

    with caplog.at_level(logging.WARNING, logger="channel_manager.application.claim_scope"):
        fetched = await _fetch(gateway)
    await gateway.acknowledge([cancel])  # even asked directly, it is not acknowledged

    assert fetched == []
    assert inner.acknowledged == []
    assert inner.queue == [cancel]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "R-NOT-YET" in warnings[0]
    assert "unacknowledged" in warnings[0]

    # Its booking arrives; the next poll's gateway lets the cancellation through.
    _store(uows, ours, "R-NOT-YET")
    later = ClaimScopedGateway(inner, ours, uows)
    fetched = await _fetch(later)
    await later.acknowledge(fetched)
    assert fetched == [cancel]
    assert inner.acknowledged == [cancel]


async def test_a_cancel_without_hotel_of_another_organisations_reservation_is_withheld(
    uows: SqlAlchemyUnitOfWorkFactory,
) -> None:
    ours = _holding(uows, HOTEL)
    theirs = _holding(uows, OTHER_HOTEL)
    _store(uows, theirs, "R-THEIRS")
    cancel = _cancel_without_hotel("R-THEIRS")
    inner = QueueGateway([cancel])
    gateway = ClaimScopedGateway(inner, ours, uows)

    fetched = await _fetch(gateway)
    await gateway.acknowledge([cancel])

    assert fetched == []
    assert inner.acknowledged == []
    assert inner.queue == [cancel]
    # The holder's own gateway does get it.
    holder = ClaimScopedGateway(inner, theirs, uows)
    assert await _fetch(holder) == [cancel]


async def test_a_reservation_stored_here_for_a_hotel_no_longer_held_does_not_pass(
    uows: SqlAlchemyUnitOfWorkFactory,
) -> None:
    ours = _holding(uows, HOTEL)
    # Stored on this connection, but for a hotel it holds no claim on (say, moved away).
    message = booking("R-OLD", hotel_code=OTHER_HOTEL)
    with uows() as uow:
        uow.reservations.add(attrs.evolve(message.reservation, connection_id=ours.id))
        uow.commit()
    cancel = _cancel_without_hotel("R-OLD")
    inner = QueueGateway([cancel])
    gateway = ClaimScopedGateway(inner, ours, uows)

    assert await _fetch(gateway) == []
    await gateway.acknowledge([cancel])
    assert inner.acknowledged == []


async def test_messages_with_a_hotel_code_keep_the_hotel_scope(
    uows: SqlAlchemyUnitOfWorkFactory,
) -> None:
    ours = _holding(uows, HOTEL)
    mine = booking("R-MINE")
    not_mine = booking("R-ELSEWHERE", hotel_code=OTHER_HOTEL)
    inner = QueueGateway([mine, not_mine])
    gateway = ClaimScopedGateway(inner, ours, uows)

    fetched = await _fetch(gateway)
    await gateway.acknowledge([mine, not_mine])

    assert fetched == [mine]
    assert inner.acknowledged == [mine]


async def test_a_connection_holding_nothing_fetches_nothing(
    uows: SqlAlchemyUnitOfWorkFactory,
) -> None:
    connection = _connection(HOTEL)
    _add(uows, connection)
    _store(uows, connection, "R-1")
    gateway = ClaimScopedGateway(QueueGateway([_cancel_without_hotel("R-1")]), connection, uows)

    with pytest.raises(HotelNotHeld):
        await _fetch(gateway)
