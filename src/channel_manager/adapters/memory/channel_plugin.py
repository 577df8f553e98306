"""The in-memory fake channel as a registered channel plug-in: a :class:`FakeChannel`'s
gateway factory and both fake authorisers under one key (``booking`` in the tests' container,
any other key for a second channel beside it).

Its publish policy is given, not chosen here: the adapters do not know each other, and a fake
standing in for Booking.com is given Booking's policy (the tests' containers do), while a test
of the seam gives one of its own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import attrs

from channel_manager.adapters.memory.fake_authorizers import (
    FakeConnectivityAuthorizer,
    FakeOAuth2Authorizer,
)
from channel_manager.adapters.memory.gateway import FakeChannel, FakeGatewayFactory
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.request_budget import RequestBudget
from channel_manager.ports.channel import AuthorizationFlow, PublishPolicy


def fake_authorizers(channel: FakeChannel) -> dict[AuthMode, AuthorizationFlow]:
    """Both fake authorisers over ``channel``."""
    return {
        AuthMode.OAUTH2: FakeOAuth2Authorizer(channel),
        AuthMode.BOOKING_CONNECTIVITY: FakeConnectivityAuthorizer(channel),
    }


@attrs.frozen
class FakeChannelPlugin:
    """``ChannelPlugin`` over one :class:`FakeChannel`."""

    key: str
    channel: FakeChannel
    gateways: FakeGatewayFactory
    authorizers: Mapping[AuthMode, AuthorizationFlow]
    publish_policy: PublishPolicy
    default_auth_mode: AuthMode | None = AuthMode.OAUTH2
    #: ``None``: polled at the default interval.
    poll_interval: timedelta | None = None
    #: No budget unless a test gives one.
    request_budgets: tuple[RequestBudget, ...] = ()

    @classmethod
    def over(
        cls,
        key: str,
        channel: FakeChannel | None = None,
        *,
        publish_policy: PublishPolicy,
    ) -> FakeChannelPlugin:
        """A plug-in registered as ``key`` over ``channel`` (a fresh one by default) that
        shapes what it is sent with ``publish_policy``."""
        channel = channel or FakeChannel()
        return cls(
            key, channel, FakeGatewayFactory(channel), fake_authorizers(channel), publish_policy
        )
