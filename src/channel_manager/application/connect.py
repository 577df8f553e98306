"""Connecting and disconnecting a channel account (the redirect-and-return wizard).

Each channel has its own flow (``/connect/{channel}`` out, ``/oauth/{channel}/callback`` back):
the authorisers are those of the channel's registered plug-in, per auth mode, and a flow comes
back only to its own channel's callback (the redirect URI it was started with says which).

Every hotel a connection manages is *claimed* (:class:`HotelClaim`) in the same transaction
that stores the connection: the database holds one claim per channel hotel, so a hotel is
managed by one organisation at a time, whichever way it was connected. A disconnect releases
the claims; an operator can move a hotel with ``channel-manager connections move-hotel``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from uuid import UUID

import attrs

from channel_manager.application.channels import ChannelRegistry
from channel_manager.application.credentials import CredentialStore, credential_ref
from channel_manager.application.errors import InvalidRequest, UnknownAuthState
from channel_manager.application.reservations import ReservationIntake
from channel_manager.application.scoping import owned_connection
from channel_manager.domain.channel import (
    ChannelReservation,
    ConnectionGrant,
    ReservationMessageKind,
)
from channel_manager.domain.connection import (
    AuthMode,
    AuthState,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.errors import (
    ChannelAuthError,
    ChannelError,
    DomainError,
    HotelAlreadyHeld,
    HotelContested,
    InvalidPropertyId,
    NotFound,
)
from channel_manager.domain.reservation import Reservation, ReservationStatus, Revision
from channel_manager.ports.channel import AuthorizationFlow
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWorkFactory
from channel_manager.ports.vault import VaultError

logger = logging.getLogger(__name__)

#: Why a revoked connection's queued pushes are given up: its hotel may be held by another
#: connection now, so they must never reach the channel.
REVOKED_PUSH = "connection revoked: not sent (the hotel may now be held by another connection)"
#: Reservations read (and released) per query when a calendar is disconnected.
RELEASE_PAGE = 500


@attrs.frozen(kw_only=True)
class HotelMove:
    """What ``move_hotel`` did: the new connection that holds the hotel, and the one that
    held it before (revoked, with the other hotels it held released)."""

    hotel_id: str
    connection: Connection
    previous: Connection | None = None
    released: tuple[str, ...] = ()


class ConnectService:
    """Starts an authorisation (single-use, expiring state), finishes it on the callback,
    and disconnects (revoke, stop syncing, keep history).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        channels: ChannelRegistry,
        credentials: CredentialStore,
        clock: Clock,
        ids: IdGenerator,
        redirect_uri: Callable[[str], str],
        *,
        intake: ReservationIntake | None = None,
    ) -> None:
        """``redirect_uri``: the callback address of each channel's flow, by channel key;
        ``intake``: what releases a calendar feed's stays when it is disconnected."""
        self._uow_factory = uow_factory
        self._channels = channels
        self._credentials = credentials
        self._clock = clock
        self._ids = ids
        self._redirect_uri = redirect_uri
        self._intake = intake

    def _flow(self, channel: str, mode: AuthMode) -> AuthorizationFlow:
        try:
            return self._channels.authorizers(channel)[mode]
        except KeyError:
            raise InvalidRequest(
                f"connection mode {mode.value!r} is not configured for channel {channel!r}"
            ) from None

    def begin(
        self,
        organization_id: UUID,
        mode: AuthMode | None = None,
        hotel_id: str | None = None,
        *,
        binding: str,
        channel: str,
    ) -> str:
        """Store a fresh state bound to ``binding`` (a hash of the caller's browser session or
        API key) and return the URL of ``channel``'s authorisation page to send the user to.
        Raise :class:`~channel_manager.application.channels.UnknownChannel` for a channel
        that is not registered.
        """
        mode = mode or self._channels.plugin(channel).default_auth_mode
        if mode is None:
            raise InvalidRequest(f"name the connection mode to connect channel {channel!r} with")
        flow = self._flow(channel, mode)
        if mode is AuthMode.BOOKING_CONNECTIVITY and not hotel_id:
            raise InvalidPropertyId("the Booking.com property id is required for this mode")
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            state, url = flow.begin(
                organization_id, self._redirect_uri(channel), hotel_id, self._clock.now()
            )
            uow.auth_states.add(attrs.evolve(self._sealed(state), binding=binding))
            uow.commit()
        return url

    async def complete(
        self,
        state_value: str,
        params: Mapping[str, str],
        *,
        binding: str | None,
        channel: str,
    ) -> Connection:
        """Finish the flow for the callback's ``state`` and query ``params`` on ``channel``'s
        callback (a flow started for another channel is refused and left unused).

        The callback must present the ``binding`` the flow was started with (RFC 9700 4.7):
        a link finished in another browser, or by another caller, is refused and left
        unused. The state is consumed (and committed) before the channel is asked, so a link
        can never be used twice, even when the exchange fails. A hotel another connection holds
        is refused before the channel is asked to accept anything, and again, atomically,
        when the connection and its claims are stored.
        """
        self._channels.plugin(channel)  # an unknown channel: 404 before the state is read
        used = self._opened(await asyncio.to_thread(self._consume, state_value, binding, channel))
        if used.auth_mode is AuthMode.BOOKING_CONNECTIVITY and used.hotel_id:
            await asyncio.to_thread(self._refuse_taken, channel, used)
        flow = self._flow(channel, used.auth_mode)
        grant = await flow.complete(used, params)
        now = self._clock.now()
        connection_id = self._ids.new_id()
        ref = credential_ref(connection_id)
        connection = Connection(
            id=connection_id,
            organization_id=used.organization_id,
            channel=channel,
            auth_mode=used.auth_mode,
            created_at=now,
        ).activate(ref, now, _account_of(grant, used))
        hotels = _granted_hotels(grant, used)
        try:
            await asyncio.to_thread(self._store, connection, ref, grant.credentials, hotels)
        except HotelAlreadyHeld:
            if used.auth_mode is AuthMode.OAUTH2:
                await self._give_back(flow, grant)
            # booking-connectivity: the hotel stays connected at Booking.com for its holder.
            raise
        logger.info(
            "connection %s active (%s, %s), holding %s",
            connection.id,
            connection.channel,
            connection.auth_mode.value,
            ", ".join(hotels) or "no hotel named by the channel",
        )
        return connection

    def _refuse_taken(self, channel: str, used: AuthState) -> None:
        """Refuse a hotel another connection holds, and one another organisation's flow is
        connecting at the same time: a connection request names no flow, so an attacker who
        keeps a flow open for a public hotel id would otherwise win the race against the
        owner's return. One read of both."""
        hotel_id = used.hotel_id
        assert hotel_id is not None
        with self._uow_factory() as uow:
            claim = uow.hotel_claims.find(channel, hotel_id)
            rivals = {
                state.organization_id
                for state in uow.auth_states.open_for_hotel(
                    used.auth_mode, hotel_id, self._clock.now()
                )
                if state.organization_id != used.organization_id
            }
        if claim is not None:
            logger.warning(
                "organisation %s tried to connect %s property %s, held by connection %s",
                used.organization_id,
                channel,
                hotel_id,
                claim.connection_id,
            )
            raise HotelAlreadyHeld(
                channel,
                hotel_id,
                same_organization=claim.organization_id == used.organization_id,
                holder_connection_id=claim.connection_id,
            )
        if rivals:
            logger.warning(
                "organisation %s's connection of %s property %s refused: organisation(s) %s "
                "are connecting it at the same time",
                used.organization_id,
                channel,
                hotel_id,
                ", ".join(sorted(str(rival) for rival in rivals)),
            )
            raise HotelContested(channel, hotel_id)

    @staticmethod
    async def _give_back(flow: AuthorizationFlow, grant: ConnectionGrant) -> None:
        """Revoke a grant we will not keep (best effort): it must not linger unused."""
        try:
            await flow.revoke(grant.credentials)
        except ChannelError as error:
            logger.warning("revoking a refused grant at the channel: %s", error)

    def _sealed(self, state: AuthState) -> AuthState:
        """``state`` with its PKCE verifier sealed by the vault, as it is stored: the verifier
        is what turns an intercepted code into tokens, so it is kept like other secrets."""
        if not state.code_verifier:
            return state  # modes without PKCE
        return attrs.evolve(state, code_verifier=self._credentials.seal_text(state.code_verifier))

    def _opened(self, state: AuthState) -> AuthState:
        """The stored ``state`` with its verifier opened again for the code exchange."""
        if not state.code_verifier:
            return state
        try:
            verifier = self._credentials.open_text(state.code_verifier)
        except VaultError as error:
            # A vault key dropped while the person was at the consent page, or an altered row.
            raise ChannelAuthError(
                f"this authorisation cannot be finished ({error}); start it again"
            ) from None
        return attrs.evolve(state, code_verifier=verifier)

    def _consume(self, state_value: str, binding: str | None, channel: str) -> AuthState:
        with self._uow_factory() as uow:
            try:
                state = uow.auth_states.get(state_value)
            except NotFound:
                raise UnknownAuthState from None
            state.check_binding(binding)
            if state.redirect_uri != self._redirect_uri(channel):
                # Started for another channel (its callback is the redirect URI it was begun
                # with): left unused, for its own callback to finish.
                raise InvalidRequest(
                    f"this authorisation was not started for channel {channel!r}; "
                    "finish it where it was started, or start the connection again"
                )
            used = state.consume(self._clock.now())
            uow.auth_states.update(used)
            uow.commit()
        return used

    def _store(
        self, connection: Connection, ref: str, credentials: bytes, hotels: tuple[str, ...]
    ) -> None:
        with self._uow_factory() as uow:
            self._credentials.put(uow, ref, credentials)
            uow.connections.add(connection)
            for hotel in hotels:
                uow.hotel_claims.add(
                    HotelClaim(
                        channel=connection.channel,
                        external_property_id=hotel,
                        organization_id=connection.organization_id,
                        connection_id=connection.id,
                        claimed_at=connection.created_at,
                    )
                )
            uow.commit()

    async def disconnect(self, organization_id: UUID, connection_id: UUID) -> Connection:
        """Revoke the grant at the channel (best effort), stop syncing, keep the history."""
        connection = await asyncio.to_thread(self._owned, organization_id, connection_id)
        if connection.status is ConnectionStatus.REVOKED:
            return connection
        held_elsewhere = await asyncio.to_thread(self._held_elsewhere, connection)
        if held_elsewhere:
            # The hotel is connected for another of our connections: deactivating it at the
            # channel would disconnect that holder too. Only our side ends.
            logger.warning(
                "connection %s: %s held by another connection, left connected at the channel",
                connection.id,
                ", ".join(held_elsewhere),
            )
        elif connection.credential_ref is not None and (
            connection.auth_mode in self._channels.authorizers(connection.channel)
        ):
            # (A channel with no flow for the mode granted nothing to revoke: a calendar's
            # feed URL is only ours to forget.)
            try:
                material = await asyncio.to_thread(
                    self._credentials.load, connection.credential_ref
                )
                flow = self._flow(connection.channel, connection.auth_mode)
                await flow.revoke(material)
            except (ChannelError, NotFound) as error:
                # The channel may already have forgotten us; our side still disconnects.
                logger.warning("revoking connection %s at the channel: %s", connection.id, error)
        if connection.auth_mode is AuthMode.FEED_URL and self._intake is not None:
            await asyncio.to_thread(self._release_feed, connection)
        revoked = connection.revoke(self._clock.now())
        await asyncio.to_thread(self._forget, revoked, connection.credential_ref)
        return revoked

    def _release_feed(self, connection: Connection) -> None:
        """Cancel what a calendar feed still holds (stays and blocks not ended yet), through
        the intake like any cancellation, so their nights go back on sale everywhere. Once
        the feed is disconnected nothing could change or remove them any more, and the same
        calendar connected again would count each stay twice. (Removing an imported calendar
        at Airbnb or Vrbo frees its dates the same way.)"""
        now = self._clock.now()
        released = 0
        refused: list[DomainError] = []
        # A page at a time (the connection's reservations by arrival, then id; cancelling
        # does not take them out of that order, so the offsets hold): never all at once.
        offset = 0
        while True:
            with self._uow_factory() as uow:
                page = uow.reservations.list(
                    connection.organization_id,
                    connection_id=connection.id,
                    limit=RELEASE_PAGE,
                    offset=offset,
                )
            if not page:
                break
            offset += len(page)
            held = [r for r in page if not r.is_cancelled and r.departure > now.date()]
            failed = self._release(connection, held, now) if held else []
            released += len(held) - len(failed)
            refused.extend(failed)
        logger.info(
            "calendar connection %s disconnected: %d stay(s) and block(s) released%s",
            connection.id,
            released,
            f", {len(refused)} refused ({refused[0]})" if refused else "",
        )

    def _release(
        self, connection: Connection, held: list[Reservation], now: datetime
    ) -> list[DomainError]:
        """Cancel ``held`` through the intake; the refusals."""
        assert self._intake is not None
        messages = [
            ChannelReservation(
                kind=ReservationMessageKind.CANCEL,
                reservation=attrs.evolve(
                    reservation,
                    status=ReservationStatus.CANCELLED,
                    revision=Revision(
                        max(now, reservation.revision.timestamp),
                        reservation.revision.sequence + 1,
                    ),
                    cancelled_at=now,
                ),
                ack_key="",
            )
            for reservation in held
        ]
        return [
            result
            for result in self._intake.apply_batch(connection, messages)
            if isinstance(result, DomainError)
        ]

    def move_hotel(
        self, hotel_id: str, to_organization_id: UUID, reason: str, *, channel: str
    ) -> HotelMove:
        """The operator's way out of a disputed hotel of ``channel``: end the current holder's
        connection (locally: the hotel stays connected at the channel, nothing is deactivated)
        and give the hotel to a new, active booking-connectivity connection of
        ``to_organization_id``.

        One transaction; logged at WARNING with the reason. The holder's connection is revoked
        as a whole (its credentials may cover the hotel, so it cannot keep running without
        it); the other hotels it held are released and reported, to be connected again.
        """
        hotel_id = hotel_id.strip()
        if not hotel_id:
            raise InvalidRequest("name the channel property id to move")
        if not reason.strip():
            raise InvalidRequest("give a reason for the move (it is logged)")
        self._flow(channel, AuthMode.BOOKING_CONNECTIVITY)  # the channel must offer the mode
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.organizations.get(to_organization_id)
            claim = uow.hotel_claims.find(channel, hotel_id)
            if claim is not None and claim.organization_id == to_organization_id:
                raise InvalidRequest(
                    f"{channel} property {hotel_id} is already held by that organisation "
                    f"(connection {claim.connection_id})"
                )
            previous: Connection | None = None
            released: tuple[str, ...] = ()
            if claim is not None:
                holder = uow.connections.get(claim.connection_id)
                released = tuple(
                    c.external_property_id
                    for c in uow.hotel_claims.list_by_connection(holder.id)
                    if c.external_property_id != hotel_id
                )
                uow.hotel_claims.release_connection(holder.id)
                previous = (
                    holder.revoke(now) if holder.status is not ConnectionStatus.REVOKED else holder
                )
                uow.connections.update(previous)
                uow.outbound.give_up_open(holder.id, REVOKED_PUSH)
                if holder.credential_ref is not None:
                    uow.secrets.delete(holder.credential_ref)
            connection_id = self._ids.new_id()
            ref = credential_ref(connection_id)
            connection = Connection(
                id=connection_id,
                organization_id=to_organization_id,
                channel=channel,
                auth_mode=AuthMode.BOOKING_CONNECTIVITY,
                created_at=now,
            ).activate(ref, now, hotel_id)
            # The same record the booking-connectivity authoriser keeps: the property covered.
            record = {"mode": AuthMode.BOOKING_CONNECTIVITY.value, "hotel_id": hotel_id}
            self._credentials.put(uow, ref, json.dumps(record).encode("utf-8"))
            uow.connections.add(connection)
            uow.hotel_claims.add(
                HotelClaim(
                    channel=channel,
                    external_property_id=hotel_id,
                    organization_id=to_organization_id,
                    connection_id=connection.id,
                    claimed_at=now,
                )
            )
            uow.commit()
        logger.warning(
            "operator moved %s property %s from %s to organisation %s (connection %s): %s",
            channel,
            hotel_id,
            f"organisation {previous.organization_id} (connection {previous.id}, revoked)"
            if previous
            else "no holder",
            to_organization_id,
            connection.id,
            reason.strip(),
        )
        return HotelMove(
            hotel_id=hotel_id, connection=connection, previous=previous, released=released
        )

    def _owned(self, organization_id: UUID, connection_id: UUID) -> Connection:
        with self._uow_factory() as uow:
            return owned_connection(uow, organization_id, connection_id)

    def _held_elsewhere(self, connection: Connection) -> list[str]:
        """The hotels this booking-connectivity connection covers that another connection
        holds (a second connection left from before claims existed, or one an operator moved
        the hotel to): revoking at the channel acts on the hotel, not on one connection.
        An oauth2 revocation ends only this connection's own grant, so it is always safe.
        """
        if connection.auth_mode is not AuthMode.BOOKING_CONNECTIVITY:
            return []
        hotel = connection.external_account_id
        if not hotel:
            return []
        with self._uow_factory() as uow:
            claim = uow.hotel_claims.find(connection.channel, hotel)
        return [hotel] if claim is not None and claim.connection_id != connection.id else []

    def _forget(self, revoked: Connection, credential_ref: str | None) -> None:
        with self._uow_factory() as uow:
            uow.connections.update(revoked)
            released = uow.hotel_claims.release_connection(revoked.id)
            uow.outbound.give_up_open(revoked.id, REVOKED_PUSH)
            if credential_ref is not None:
                uow.secrets.delete(credential_ref)
            uow.commit()
        logger.info("connection %s revoked; %d hotel claim(s) released", revoked.id, released)


def _account_of(grant: ConnectionGrant, state: AuthState) -> str | None:
    """The channel account a finished flow connects. Only booking-connectivity may fall back
    to the hotel the flow was started for (its authoriser checked that hotel's connection
    request); an OAuth account comes from the channel alone, never from a hotel id the caller
    typed into the start URL."""
    if state.auth_mode is AuthMode.BOOKING_CONNECTIVITY:
        return grant.external_account_id or state.hotel_id
    return grant.external_account_id


def _granted_hotels(grant: ConnectionGrant, state: AuthState) -> tuple[str, ...]:
    """The hotels a finished flow gives the connection: the ones the channel names, else (in
    booking-connectivity mode only) the property the flow was started for and checked.
    Duplicates are dropped, order kept.
    """
    if state.auth_mode is AuthMode.BOOKING_CONNECTIVITY:
        named = grant.hotel_ids or ((state.hotel_id,) if state.hotel_id else ())
        if grant.external_account_id:
            named = (grant.external_account_id, *named)
    else:
        named = grant.hotel_ids
    return tuple(dict.fromkeys(hotel for hotel in named if hotel))
