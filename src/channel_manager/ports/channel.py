"""Ports towards a channel (Booking.com today; iCal, Expedia-style OTA APIs later).

A channel is a key (``Connection.channel``) and one registered :class:`ChannelPlugin` that
says what it can do: how an account is authorised (:class:`AuthorizationFlow` per
:class:`~channel_manager.domain.connection.AuthMode`) and, per connection, a gateway made by
its :class:`ChannelGatewayFactory`. A gateway offers capabilities, each its own port, and a
use case asks for the one it needs:

- :class:`CatalogSource`: the properties, room types and rate plans to map;
- :class:`ReservationFeed`: reservation changes, acknowledged or not (``acknowledges``);
- :class:`AriPublisher`: availability, restrictions and rates sent to the channel.

What a channel is sent, and in what shape, is its :class:`PublishPolicy` (Booking.com: one
hotel and one month per request, BookingLimit 0..254, integer amounts with DecimalPlaces):
the outbox asks the connection's plug-in for it instead of knowing any channel's rules.

:class:`ChannelGateway` is all three (Booking.com's gateway). Adapters speak only domain
types: external ids and values in, :class:`PushOutcome` out. Failures are raised as
:class:`~channel_manager.domain.errors.ChannelError` subclasses (retryable, permanent, auth).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from channel_manager.domain.ari import AriChangeSet, AriRequest, AvailRequest, RateRequest
from channel_manager.domain.channel import (
    ChannelReservation,
    ConnectionGrant,
    ExternalCatalog,
    ExternalProperty,
    PushOutcome,
)
from channel_manager.domain.connection import AuthMode, AuthState, Connection
from channel_manager.domain.request_budget import RequestBudget


class Closeable(Protocol):
    """Something that holds an HTTP client (or other resources) until ``aclose``."""

    async def aclose(self) -> None:
        """Release the HTTP client and anything else held open."""
        ...


class CatalogSource(Closeable, Protocol):
    """What a connection may manage at its channel: properties, room types, rate plans."""

    def list_properties(self) -> AsyncIterator[ExternalProperty]:
        """Every property the connection may manage, fetched page by page."""
        ...

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        """The property with its room types and rate plans (for mapping). A property outside
        the connection is refused with a
        :class:`~channel_manager.domain.errors.PermanentChannelError`."""
        ...


class ReservationFeed(Closeable, Protocol):
    """Reservation changes (new, modified, cancelled) as the channel offers them.

    Some channels repeat each message until it is acknowledged (Booking.com: pull, store,
    acknowledge); others offer a snapshot or a stream that needs no answer. ``acknowledges``
    says which: only when it is true does the caller acknowledge, after its commit.
    """

    @property
    def acknowledges(self) -> bool:
        """True when messages repeat until :meth:`acknowledge` is called for them."""
        ...

    def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        """Pending reservation messages, streamed. They may come again (redelivery, or until
        acknowledged), so callers must be idempotent.
        """
        ...

    async def acknowledge(self, ack_keys: Sequence[ChannelReservation]) -> None:
        """Tell the channel these messages are stored. Call only after our commit, and only
        when :attr:`acknowledges` is true (a feed that does not acknowledge ignores it).
        """
        ...


class AriPublisher(Closeable, Protocol):
    """Sends our calendar (availability, restrictions, rates) to the channel."""

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        """Send availability and restrictions; raise on transport/auth failure."""
        ...

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        """Send rates; raise on transport/auth failure."""
        ...


class ChannelGateway(CatalogSource, ReservationFeed, AriPublisher, Protocol):
    """One connection's view of a channel that has every capability (Booking.com). Async;
    owns its HTTP client until ``aclose``."""


class CatalogSources(Protocol):
    """Makes the :class:`CatalogSource` of one connection."""

    def for_connection(self, connection: Connection) -> CatalogSource:
        """A catalog source for ``connection``; the caller closes it with ``aclose``."""
        ...


class ReservationFeeds(Protocol):
    """Makes the :class:`ReservationFeed` of one connection."""

    def for_connection(self, connection: Connection) -> ReservationFeed:
        """A reservation feed for ``connection``; the caller closes it with ``aclose``."""
        ...


class AriPublishers(Protocol):
    """Makes the :class:`AriPublisher` of one connection."""

    def for_connection(self, connection: Connection) -> AriPublisher:
        """A publisher for ``connection``; the caller closes it with ``aclose``."""
        ...


class ChannelGatewayFactory(Protocol):
    """Makes a gateway bound to one connection (credentials looked up from the vault).

    It is every ``...Sources``/``...Feeds``/``...Publishers`` factory at once, so a use case
    can ask for just the capability it needs.
    """

    def for_connection(self, connection: Connection) -> ChannelGateway:
        """A gateway for ``connection``; the caller closes it with ``aclose``."""
        ...


class PublishPolicy(Protocol):
    """How one channel is sent our calendar: its limits and message shape.

    The outbox stores what :meth:`shape` returns, one outbound message per request, and the
    channel's gateway sends each as it is.
    """

    def shape(self, change_set: AriChangeSet) -> Sequence[AriRequest]:
        """The requests that carry ``change_set`` to the channel (split, merged and capped
        as it requires); raise a :class:`~channel_manager.domain.errors.DomainError` for a
        value the channel cannot be sent."""
        ...

    def sent_availability(self, count: int) -> int:
        """What the channel is sent for a sellable ``count`` (a cap, say)."""
        ...

    @property
    def max_items(self) -> int | None:
        """The most ranges one request may carry (``None``: no limit). :meth:`shape` keeps
        to it; a newer request is merged into a queued one (issue 18: coalescing) only when
        the merge stays within it, else it is queued after it."""
        ...

    def render(self, request: AriRequest) -> tuple[str, str]:
        """The message name and body ``request`` goes out as, for a person to read (the
        rates page's preview)."""
        ...


class PublishPolicies(Protocol):
    """The :class:`PublishPolicy` of a connection's channel (the channel registry)."""

    def publish_policy(self, connection: Connection) -> PublishPolicy:
        """The policy of ``connection``'s channel."""
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


class ChannelPlugin(Protocol):
    """One channel as the container registers it: its key and what it can do.

    The registry dispatches on ``Connection.channel``; the core never names a channel.
    """

    @property
    def key(self) -> str:
        """The channel's key, as stored in ``Connection.channel`` and used in the connect
        paths (``/connect/{key}``, ``/oauth/{key}/callback``)."""
        ...

    @property
    def authorizers(self) -> Mapping[AuthMode, AuthorizationFlow]:
        """How an account of this channel is authorised, by mode (empty: not through a
        redirect flow)."""
        ...

    @property
    def default_auth_mode(self) -> AuthMode | None:
        """The mode used when a connect request names none (``None``: none is assumed)."""
        ...

    @property
    def gateways(self) -> ChannelGatewayFactory:
        """Gateways bound to one connection of this channel."""
        ...

    @property
    def publish_policy(self) -> PublishPolicy:
        """How our calendar is shaped into this channel's messages."""
        ...

    @property
    def poll_interval(self) -> timedelta | None:
        """How often a connection's reservations are polled (``None``: the process's default,
        ``CM_POLL_INTERVAL``; a calendar feed is fetched far less often than a queue)."""
        ...

    @property
    def request_budgets(self) -> Sequence[RequestBudget]:
        """How many ARI requests the channel takes per interval, per connection or per
        account (issue 18; empty: no budget, as for a channel that is sent nothing)."""
        ...


class RequestBudgets(Protocol):
    """The request budgets of a connection's channel (the channel registry)."""

    def request_budgets(self, connection: Connection) -> Sequence[RequestBudget]:
        """The budgets ``connection``'s ARI requests are counted against."""
        ...
