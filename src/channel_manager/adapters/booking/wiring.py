"""Builds the Booking.com adapters for one process from settings (used by the container).

One :class:`BookingHttp` (one httpx client) is shared by the token cache, both authorisers and
every gateway; :meth:`BookingAdapters.aclose` closes it on shutdown.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import timedelta

import attrs
from limits import parse as parse_rate_limit

from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.connectivity import BookingConnectivityAuthorizer
from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.factory import (
    BookingGatewayFactory,
    ConnectionCredentialStore,
)
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.message_log import MessageLogWriterSink
from channel_manager.adapters.booking.oauth2 import OAuth2Authorizer
from channel_manager.adapters.booking.publish_policy import BookingPublishPolicy
from channel_manager.adapters.booking.tokens import MachineAccountTokens
from channel_manager.application.message_log import MessageLogWriter
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.request_budget import BudgetScope, RequestBudget
from channel_manager.ports.channel import AuthorizationFlow, ChannelGatewayFactory, PublishPolicy
from channel_manager.ports.clock import Clock
from channel_manager.ports.vault import Secret
from channel_manager.settings import ClosedToArrivalMode, Settings

#: Booking.com's channel key (``Connection.channel``, ``/connect/booking``).
BOOKING_CHANNEL = "booking"


def endpoints_from(settings: Settings) -> BookingEndpoints:
    """The four Booking.com hosts named by the settings."""
    return BookingEndpoints(
        supply_url=settings.booking.base_url,
        secure_url=settings.booking.secure_url,
        token_url=settings.booking.token_url,
        auth_url=settings.booking.auth_url,
    )


class BookingAdapters:
    """The process's Booking.com adapters, built lazily and closed together."""

    def __init__(
        self,
        settings: Settings,
        credentials: ConnectionCredentialStore,
        messages: MessageLogWriter,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._credentials = credentials
        self.http = BookingHttp(
            endpoints_from(settings),
            timeout=settings.booking.http_timeout.total_seconds(),
            sink=MessageLogWriterSink(messages),
            clock=clock.now,
        )

    @functools.cached_property
    def machine_account(self) -> MachineAccountTokens:
        """The provider's machine-account JWT, cached for the whole process (30/hour cap)."""
        return MachineAccountTokens(
            self.http,
            self._settings.booking.client_id or "",
            self._settings.booking.client_secret or Secret(""),
            clock=self._clock.now,
        )

    @functools.cached_property
    def oauth2(self) -> OAuth2Authorizer:
        """The OAuth 2.0 authorisation-code + PKCE flow."""
        return OAuth2Authorizer(
            self.http,
            self._settings.booking.client_id or "",
            self._settings.booking.client_secret,
            clock=self._clock.now,
        )

    def authorizers(self) -> Mapping[AuthMode, AuthorizationFlow]:
        """Both authorisers; the wizard picks one per connection."""
        return {
            AuthMode.OAUTH2: self.oauth2,
            AuthMode.BOOKING_CONNECTIVITY: BookingConnectivityAuthorizer(
                BookingApi(self.http, self.machine_account),
                self._settings.booking.provider_id or "channel-manager",
            ),
        }

    def gateway_factory(self) -> ChannelGatewayFactory:
        """Gateways bound to one connection each, sharing the client and token cache."""
        return BookingGatewayFactory(
            self.http,
            machine_account=self.machine_account,
            oauth2=self.oauth2,
            credential_store=self._credentials,
            clock=self._clock.now,
            ack_pause=self._settings.booking.ack_pause.total_seconds(),
            queue_limit=self._settings.booking.queue_limit,
            arrival_departure_restrictions=(
                self._settings.booking.closed_to_arrival_mode
                is ClosedToArrivalMode.RESTRICTION_STATUS
            ),
        )

    async def aclose(self) -> None:
        """Close the shared HTTP client."""
        await self.http.aclose()


@attrs.frozen(kw_only=True)
class BookingChannel:
    """Booking.com as a registered channel plug-in (``ChannelPlugin``): its authorisers, its
    gateway factory, the mode a connect request that names none uses, and its publish policy
    (one hotel and month per request, BookingLimit 0..254, integer amounts)."""

    authorizers: Mapping[AuthMode, AuthorizationFlow]
    gateways: ChannelGatewayFactory
    default_auth_mode: AuthMode | None
    key: str = BOOKING_CHANNEL
    publish_policy: PublishPolicy = attrs.field(factory=BookingPublishPolicy)
    #: The default (``CM_POLL_INTERVAL``, 20 s): Booking.com's queue is polled often.
    poll_interval: timedelta | None = None
    #: ARI requests per interval (``CM_BOOKING_ARI_BUDGET``, per connection, and
    #: ``CM_BOOKING_ARI_ACCOUNT_BUDGET``, for our machine account): Booking.com publishes no
    #: ARI rate limit (BOOKING_CONNECTIVITY.md section 4), so these are ours, configurable.
    request_budgets: tuple[RequestBudget, ...] = ()


def booking_request_budgets(
    per_connection: str, per_account: str | None
) -> tuple[RequestBudget, ...]:
    """The request budgets of Booking.com from rates like ``10 per second`` (the settings
    ``CM_BOOKING_ARI_BUDGET`` and ``CM_BOOKING_ARI_ACCOUNT_BUDGET``; ``None``: no account
    budget)."""
    budgets = [_budget(per_connection, BudgetScope.CONNECTION)]
    if per_account is not None:
        budgets.append(_budget(per_account, BudgetScope.ACCOUNT))
    return tuple(budgets)


def _budget(rate: str, scope: BudgetScope) -> RequestBudget:
    item = parse_rate_limit(rate)
    return RequestBudget(item.amount, timedelta(seconds=item.get_expiry()), scope)
