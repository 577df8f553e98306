"""``BookingGatewayFactory``: gateways bound to one connection, sharing what the process owns.

A ``booking-connectivity`` connection runs as the provider's machine account (one cached JWT
for the whole process) scoped to its property (never unscoped; that the connection still
holds the property is checked by the application's ``ClaimScopedGateways``); an ``oauth2``
connection runs with its own token set, loaded from the credential store on first use and
saved back after every rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.gateway import BookingChannelGateway
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.oauth2 import OAuth2Authorizer
from channel_manager.adapters.booking.oauth2_tokens import OAuth2BearerCredentials, OAuth2TokenSet
from channel_manager.adapters.booking.reservation_queue import (
    DEFAULT_ACK_ATTEMPTS,
    DEFAULT_ACK_BACKOFF,
    DEFAULT_ACK_PAUSE,
    DEFAULT_QUEUE_LIMIT,
    CadenceRegistry,
)
from channel_manager.adapters.booking.tokens import RequestCredentials
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import ChannelAuthError
from channel_manager.ports.vault import Secret


class MissingChannelCredentialsError(ChannelAuthError):
    """The connection has no usable credentials for its authorisation mode."""


class ConnectionCredentialStore(Protocol):
    """Where a connection's sealed credentials live (the application's ``CredentialStore``)."""

    def load(self, ref: str) -> bytes:
        """The plaintext credentials stored under ``ref``."""
        ...

    def save(self, ref: str, material: bytes) -> None:
        """Seal and store ``material`` under ``ref``."""
        ...

    def take_lease(self, ref: str, owner: str, now: datetime, until: datetime) -> bool:
        """Lease ``ref`` to ``owner`` until ``until`` unless another owner's lease runs."""
        ...

    def release_lease(self, ref: str, owner: str) -> None:
        """End ``owner``'s lease on ``ref``."""
        ...


#: Longest a token refresh may hold its connection's lease: well over one HTTP timeout, so a
#: slow refresh is not overtaken, and short enough that a process killed mid-refresh does not
#: stall the connection's other processes for long.
REFRESH_LEASE = timedelta(seconds=90)


class StoredRefreshLease:
    """``RefreshLease`` kept beside the sealed tokens, so every process sharing the database
    sees it; each instance is its own owner (one per process and connection)."""

    def __init__(
        self,
        store: ConnectionCredentialStore,
        ref: str,
        *,
        duration: timedelta = REFRESH_LEASE,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._ref = ref
        self._duration = duration
        self._clock = clock
        self._owner = uuid4().hex

    async def acquire(self) -> bool:
        """Take (or extend) the lease unless another owner holds it."""
        now = self._clock()
        return self._store.take_lease(self._ref, self._owner, now, now + self._duration)

    async def release(self) -> None:
        """Give the lease up."""
        self._store.release_lease(self._ref, self._owner)


class BookingGatewayFactory:
    """``ChannelGatewayFactory`` for Booking.com."""

    def __init__(
        self,
        http: BookingHttp,
        *,
        machine_account: RequestCredentials | None = None,
        oauth2: OAuth2Authorizer | None = None,
        credential_store: ConnectionCredentialStore | None = None,
        ack_pause: float = DEFAULT_ACK_PAUSE,
        ack_attempts: int = DEFAULT_ACK_ATTEMPTS,
        ack_backoff: float = DEFAULT_ACK_BACKOFF,
        page_size: int = 100,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        arrival_departure_restrictions: bool = True,
        clock: Callable[[], datetime],
    ) -> None:
        self._http = http
        self._clock = clock
        self._machine_account = machine_account
        self._oauth2 = oauth2
        self._store = credential_store
        self._cadences = CadenceRegistry(ack_pause)
        self._ack_attempts = ack_attempts
        self._ack_backoff = ack_backoff
        self._page_size = page_size
        self._queue_limit = queue_limit
        self._arrival_departure = arrival_departure_restrictions
        # One token set per oauth2 connection, shared by all its gateways: refresh tokens
        # rotate, so two private copies would both refresh and the second would be refused.
        self._oauth2_credentials: dict[UUID, OAuth2BearerCredentials] = {}

    def for_connection(self, connection: Connection) -> BookingChannelGateway:
        """A gateway for ``connection``; closing it leaves the shared client open."""
        credentials, hotels = self._credentials(connection)
        return BookingChannelGateway(
            BookingApi(self._http, credentials, connection_id=connection.id),
            self._cadences.for_account(credentials.account_key),
            connection_id=connection.id,
            hotel_codes=hotels,
            page_size=self._page_size,
            queue_limit=self._queue_limit,
            ack_attempts=self._ack_attempts,
            ack_backoff=self._ack_backoff,
            arrival_departure_restrictions=self._arrival_departure,
            clock=self._clock,
        )

    def _credentials(
        self, connection: Connection
    ) -> tuple[RequestCredentials, frozenset[str] | None]:
        if connection.auth_mode is AuthMode.BOOKING_CONNECTIVITY:
            if self._machine_account is None:
                raise MissingChannelCredentialsError(
                    "no Booking.com machine account is configured (CM_BOOKING_CLIENT_ID/SECRET)"
                )
            hotel = connection.external_account_id
            if not hotel:
                # Unscoped, the machine account would read every hotel connected to us.
                raise MissingChannelCredentialsError(
                    f"connection {connection.id} names no Booking.com property to act for"
                )
            return self._machine_account, frozenset({hotel})
        ref = connection.credential_ref
        if self._oauth2 is None or self._store is None or ref is None:
            raise MissingChannelCredentialsError(
                f"connection {connection.id} has no OAuth 2.0 credentials to use"
            )
        shared = self._oauth2_credentials.get(connection.id)
        if shared is None or shared.credential_ref != ref:
            shared = self._oauth2_bearer(connection.id, ref, self._oauth2, self._store, self._clock)
            self._oauth2_credentials[connection.id] = shared
        return shared, None

    @staticmethod
    def _oauth2_bearer(
        connection_id: UUID,
        ref: str,
        oauth2: OAuth2Authorizer,
        store: ConnectionCredentialStore,
        clock: Callable[[], datetime],
    ) -> OAuth2BearerCredentials:

        async def load() -> OAuth2TokenSet:
            return OAuth2TokenSet.from_secret_text(Secret(store.load(ref)).reveal_text())

        async def save(tokens: OAuth2TokenSet) -> None:
            store.save(ref, tokens.to_secret_text().encode("utf-8"))

        return OAuth2BearerCredentials(
            f"oauth2:{connection_id}",
            load,
            oauth2,
            on_rotated=save,
            credential_ref=ref,
            lease=StoredRefreshLease(store, ref, clock=clock),
            clock=clock,
        )
