"""Ports towards a channel (Booking.com today; Airbnb, Expedia, iCal later).

A channel adapter implements :class:`ChannelGateway` and :class:`AuthorizationFlow` and speaks
only domain types: external ids and values in, :class:`PushOutcome` out. Failures are raised as
:class:`~channel_manager.domain.errors.ChannelError` subclasses (retryable, permanent, auth).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from channel_manager.domain.ari import AvailRequest, RateRequest
from channel_manager.domain.channel import (
    ChannelReservation,
    ConnectionGrant,
    ExternalCatalog,
    ExternalProperty,
    PushOutcome,
)
from channel_manager.domain.connection import AuthState, Connection


class ChannelGateway(Protocol):
    """One connection's view of its channel. Async; owns its HTTP client until ``aclose``."""

    def list_properties(self) -> AsyncIterator[ExternalProperty]:
        """Every hotel the connection may manage, fetched page by page."""
        ...

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        """The hotel with its room types and rate plans (for mapping)."""
        ...

    def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        """Pending reservation messages (new, modified, cancelled), streamed.

        The channel repeats them until acknowledged, so callers must be idempotent.
        """
        ...

    async def acknowledge(self, ack_keys: Sequence[ChannelReservation]) -> None:
        """Tell the channel these messages are stored. Call only after our commit."""
        ...

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        """Send availability and restrictions; raise on transport/auth failure."""
        ...

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        """Send rates; raise on transport/auth failure."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client and anything else held open."""
        ...


class ChannelGatewayFactory(Protocol):
    """Makes a gateway bound to one connection (credentials looked up from the vault)."""

    def for_connection(self, connection: Connection) -> ChannelGateway:
        """A gateway for ``connection``; the caller closes it with ``aclose``."""
        ...


class AuthorizationFlow(Protocol):
    """The redirect-and-return flow that connects a channel account.

    ``oauth2`` (authorization code + PKCE) and ``booking-connectivity`` (Extranet connection
    request, accepted through the Connections API) both fit behind this port.
    """

    def begin(
        self,
        organization_id: UUID,
        redirect_uri: str,
        hotel_id: str | None,
        now: datetime,
    ) -> tuple[AuthState, str]:
        """Create a single-use, expiring state (with its PKCE verifier) and return it with
        the URL to send the user to. The caller stores the state.
        """
        ...

    async def complete(self, state: AuthState, params: Mapping[str, str]) -> ConnectionGrant:
        """Finish with the callback's query ``params`` (code, error, ...) for a consumed
        ``state``; return the secret material to seal and the account it belongs to.
        Raise :class:`~channel_manager.domain.errors.ChannelAuthError` when refused.
        """
        ...

    async def refresh(self, credentials: bytes) -> bytes:
        """Fresh credentials (for example a refreshed token set) from the current ones.
        Raise :class:`~channel_manager.domain.errors.ChannelAuthError` when it fails.
        """
        ...

    async def revoke(self, credentials: bytes) -> None:
        """Tell the channel to forget the grant, where it supports that."""
        ...
