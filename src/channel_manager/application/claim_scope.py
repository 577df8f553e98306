"""Defence in depth for hotel claims: a gateway acts only on hotels its connection holds.

A ``booking-connectivity`` connection runs as our one machine account, scoped to a hotel by
nothing but its ``external_account_id``: the channel would answer for any hotel connected to
us. So before such a gateway asks the channel anything, the hotel must be claimed by *this*
connection (:class:`~channel_manager.domain.connection.HotelClaim`): a connection whose hotel
was moved to another organisation, or whose claim was released, fetches, acknowledges and
pushes nothing, even if a status check upstream were missed. Reservations and pushes of other
hotels are filtered out too (they stay at the channel for their holder).

A Booking.com cancellation may carry no rooms, hence no hotel code. As the push intake routes
it (:meth:`~channel_manager.application.reservations.ReservationIntake.route_known_in`), the
reservation it cancels says where it belongs: it passes when that reservation is stored for
*this* connection, on a hotel the connection holds. One whose reservation is not known here
stays at the channel, unacknowledged (a later poll offers it again, after its booking has
arrived), with a warning in the log; a reservation of another connection or organisation
never passes.

OAuth 2.0 connections act with the property's own grant, which the channel scopes itself;
they are passed through unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

from channel_manager.domain.ari_requests import AvailRequest, RateRequest
from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    PushOutcome,
)
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.ports.channel import ChannelGateway, ChannelGatewayFactory
from channel_manager.ports.repositories import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class HotelNotHeld(PermanentChannelError):  # noqa: N818 -- named for the failure
    """The connection holds no claim on the hotel it would act on: nothing is sent."""

    def __init__(self, connection_id: UUID, hotel_code: str | None) -> None:
        hotel = f"hotel {hotel_code}" if hotel_code else "any hotel"
        super().__init__(
            "",
            f"this connection does not hold {hotel} (no hotel claim): "
            "nothing was fetched, acknowledged or sent",
        )
        self.connection_id = connection_id
        self.hotel_code = hotel_code


class ClaimScopedGateways:
    """``ChannelGatewayFactory`` that wraps another (the channel registry, which makes each
    connection's gateway through its channel's plug-in) so booking-connectivity gateways act
    only on hotels their connection holds, on their own channel."""

    def __init__(self, inner: ChannelGatewayFactory, uow_factory: UnitOfWorkFactory) -> None:
        self._inner = inner
        self._uow_factory = uow_factory

    def for_connection(self, connection: Connection) -> ChannelGateway:
        """The inner gateway, behind a claim check for a booking-connectivity connection."""
        gateway = self._inner.for_connection(connection)
        if connection.auth_mode is not AuthMode.BOOKING_CONNECTIVITY:
            return gateway
        return ClaimScopedGateway(gateway, connection, self._uow_factory)


class ClaimScopedGateway:
    """A gateway limited to the hotels its connection holds; the claims are read (once per
    gateway, in a thread) before the channel is asked anything."""

    def __init__(
        self, inner: ChannelGateway, connection: Connection, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._inner = inner
        self._connection = connection
        self._uow_factory = uow_factory
        self._held: frozenset[str] | None = None

    def _read_held(self) -> frozenset[str]:
        with self._uow_factory() as uow:
            claims = uow.hotel_claims.list_by_connection(self._connection.id)
        held = frozenset(
            c.external_property_id for c in claims if c.channel == self._connection.channel
        )
        # The machine account is scoped by the account id alone: only that hotel, if held.
        account = self._connection.external_account_id
        return held & {account} if account else frozenset()

    async def _scope(self) -> frozenset[str]:
        if self._held is None:
            self._held = await asyncio.to_thread(self._read_held)
        if not self._held:
            raise HotelNotHeld(self._connection.id, self._connection.external_account_id)
        return self._held

    async def _require(self, hotel_code: str) -> None:
        if hotel_code not in await self._scope():
            raise HotelNotHeld(self._connection.id, hotel_code)

    @property
    def acknowledges(self) -> bool:
        """Whether the inner gateway's feed wants acknowledgements."""
        return self._inner.acknowledges

    async def list_properties(self) -> AsyncIterator[ExternalProperty]:
        """The held hotels the channel lists."""
        held = await self._scope()
        async for hotel in self._inner.list_properties():
            if hotel.hotel_code in held:
                yield hotel

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        """A held hotel's catalog."""
        await self._require(hotel_code)
        return await self._inner.get_catalog(hotel_code)

    def _known_here(self, external_id: str, held: frozenset[str]) -> bool:
        """Whether reservation ``external_id`` is stored for this connection, on a held hotel."""
        with self._uow_factory() as uow:
            stored = uow.reservations.get_by_external(self._connection.id, external_id)
        return stored is not None and stored.external_property_id in held

    async def _mine(self, message: ChannelReservation, held: frozenset[str]) -> bool:
        """Whether ``message`` belongs to this connection: its hotel is held, or it names no
        hotel (a cancellation without rooms) and its reservation is stored here."""
        hotel_code = message.reservation.external_property_id
        if hotel_code:
            return hotel_code in held
        return await asyncio.to_thread(self._known_here, message.reservation.external_id, held)

    async def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        """Pending messages of held hotels, and those naming no hotel whose reservation is
        stored here (others are left at the channel, unacknowledged)."""
        held = await self._scope()
        async for message in self._inner.fetch_reservations():
            if await self._mine(message, held):
                yield message
            elif not message.reservation.external_property_id:
                # Not silently dropped: its booking may not have arrived yet (a later poll
                # offers it again), or it is another connection's (the machine account sees
                # every hotel's queue). Which one cannot be told here, so it is logged for the
                # operator and not put in this connection's sync history: that would show
                # this organisation another's reservation number, and a false alarm.
                logger.warning(
                    "connection %s: %s message for reservation %s names no hotel and its "
                    "reservation is not known on this connection: left at the channel, "
                    "unacknowledged",
                    self._connection.id,
                    message.kind.value,
                    message.reservation.external_id,
                )

    async def acknowledge(self, ack_keys: Sequence[ChannelReservation]) -> None:
        """Acknowledge messages of held hotels, and those naming no hotel whose reservation
        is stored here, only."""
        held = await self._scope()
        mine = [m for m in ack_keys if await self._mine(m, held)]
        if mine:
            await self._inner.acknowledge(mine)

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        """Push availability of a held hotel; ``HotelNotHeld`` for any other."""
        await self._require(request.hotel_code)
        return await self._inner.push_availability(request)

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        """Push rates of a held hotel; ``HotelNotHeld`` for any other."""
        await self._require(request.hotel_code)
        return await self._inner.push_rates(request)

    async def aclose(self) -> None:
        """Close the inner gateway."""
        await self._inner.aclose()
