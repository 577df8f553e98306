"""Connecting and disconnecting a channel account (the redirect-and-return wizard)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from uuid import UUID

import attrs

from channel_manager.application.credentials import CredentialStore, credential_ref
from channel_manager.application.errors import InvalidRequest, UnknownAuthState
from channel_manager.application.scoping import owned_connection
from channel_manager.domain.connection import AuthMode, AuthState, Connection, ConnectionStatus
from channel_manager.domain.errors import ChannelAuthError, ChannelError, NotFound
from channel_manager.ports.channel import AuthorizationFlow
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWorkFactory
from channel_manager.ports.vault import VaultError

logger = logging.getLogger(__name__)


class ConnectService:
    """Starts an authorisation (single-use, expiring state), finishes it on the callback,
    and disconnects (revoke, stop syncing, keep history).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizers: Mapping[AuthMode, AuthorizationFlow],
        credentials: CredentialStore,
        clock: Clock,
        ids: IdGenerator,
        redirect_uri: str,
        default_mode: AuthMode,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizers = authorizers
        self._credentials = credentials
        self._clock = clock
        self._ids = ids
        self._redirect_uri = redirect_uri
        self._default_mode = default_mode

    def _flow(self, mode: AuthMode) -> AuthorizationFlow:
        try:
            return self._authorizers[mode]
        except KeyError:
            raise InvalidRequest(f"connection mode {mode.value!r} is not configured") from None

    def begin(
        self,
        organization_id: UUID,
        mode: AuthMode | None = None,
        hotel_id: str | None = None,
        *,
        binding: str,
    ) -> str:
        """Store a fresh state bound to ``binding`` (a hash of the caller's browser session or
        API key) and return the channel URL to send the user to.
        """
        mode = mode or self._default_mode
        if mode is AuthMode.BOOKING_CONNECTIVITY and not hotel_id:
            raise InvalidRequest("the Booking.com property id is required for this mode")
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            state, url = self._flow(mode).begin(
                organization_id, self._redirect_uri, hotel_id, self._clock.now()
            )
            uow.auth_states.add(attrs.evolve(self._sealed(state), binding=binding))
            uow.commit()
        return url

    async def complete(
        self, state_value: str, params: Mapping[str, str], *, binding: str | None
    ) -> Connection:
        """Finish the flow for the callback's ``state`` and query ``params``.

        The callback must present the ``binding`` the flow was started with (RFC 9700 4.7):
        a link finished in another browser, or by another caller, is refused and left
        unused. The state is consumed (and committed) before the channel is asked, so a link
        can never be used twice, even when the exchange fails.
        """
        used = self._opened(await asyncio.to_thread(self._consume, state_value, binding))
        grant = await self._flow(used.auth_mode).complete(used, params)
        now = self._clock.now()
        connection_id = self._ids.new_id()
        ref = credential_ref(connection_id)
        connection = Connection(
            id=connection_id,
            organization_id=used.organization_id,
            auth_mode=used.auth_mode,
            created_at=now,
        ).activate(ref, now, grant.external_account_id or used.hotel_id)
        await asyncio.to_thread(self._store, connection, ref, grant.credentials)
        logger.info("connection %s active (%s)", connection.id, connection.auth_mode.value)
        return connection

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

    def _consume(self, state_value: str, binding: str | None) -> AuthState:
        with self._uow_factory() as uow:
            try:
                state = uow.auth_states.get(state_value)
            except NotFound:
                raise UnknownAuthState from None
            state.check_binding(binding)
            used = state.consume(self._clock.now())
            uow.auth_states.update(used)
            uow.commit()
        return used

    def _store(self, connection: Connection, ref: str, credentials: bytes) -> None:
        with self._uow_factory() as uow:
            self._credentials.put(uow, ref, credentials)
            uow.connections.add(connection)
            uow.commit()

    async def disconnect(self, organization_id: UUID, connection_id: UUID) -> Connection:
        """Revoke the grant at the channel (best effort), stop syncing, keep the history."""
        connection = await asyncio.to_thread(self._owned, organization_id, connection_id)
        if connection.status is ConnectionStatus.REVOKED:
            return connection
        if connection.credential_ref is not None:
            try:
                material = await asyncio.to_thread(
                    self._credentials.load, connection.credential_ref
                )
                await self._flow(connection.auth_mode).revoke(material)
            except (ChannelError, NotFound) as error:
                # The channel may already have forgotten us; our side still disconnects.
                logger.warning("revoking connection %s at the channel: %s", connection.id, error)
        revoked = connection.revoke(self._clock.now())
        await asyncio.to_thread(self._forget, revoked, connection.credential_ref)
        return revoked

    def _owned(self, organization_id: UUID, connection_id: UUID) -> Connection:
        with self._uow_factory() as uow:
            return owned_connection(uow, organization_id, connection_id)

    def _forget(self, revoked: Connection, credential_ref: str | None) -> None:
        with self._uow_factory() as uow:
            uow.connections.update(revoked)
            if credential_ref is not None:
                uow.secrets.delete(credential_ref)
            uow.commit()
