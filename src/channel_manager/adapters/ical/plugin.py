"""The iCal channel as a registered plug-in (``ChannelPlugin``): calendar feeds from Airbnb,
Vrbo and anything else that exports iCal.

An account is connected by a feed URL (``AuthMode.FEED_URL``, a use case of its own, not a
redirect flow: no authorisers); each connection's gateway reads its feed
(:class:`~channel_manager.adapters.ical.gateway.IcalGateway`); nothing is ever sent (the
publish policy shapes no request: the other side fetches our export feed); and it is polled
every ``CM_ICAL_INTERVAL`` (10 minutes) instead of every 20 seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import attrs

from channel_manager.adapters.ical.gateway import (
    DEFAULT_SUSPECT_HOLD,
    ICAL_CHANNEL,
    FeedSecrets,
    IcalGateway,
)
from channel_manager.domain.ari import AriChangeSet, AriRequest
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.request_budget import RequestBudget
from channel_manager.ports.channel import AuthorizationFlow, ChannelGatewayFactory, PublishPolicy
from channel_manager.ports.clock import Clock
from channel_manager.ports.feed import FeedReader
from channel_manager.ports.repositories import UnitOfWorkFactory

#: How often a feed is fetched unless the settings say otherwise (Airbnb imports ours every
#: 2-3 hours, Vrbo about hourly: ten minutes beats both without hammering them).
DEFAULT_ICAL_INTERVAL = timedelta(minutes=10)


class IcalPublishPolicy:
    """An iCal channel is sent nothing: each change set shapes no request (our export feed,
    fetched by the other side, shows the calendar as it is)."""

    #: Nothing is sent, so there is nothing to limit.
    max_items: int | None = None

    def shape(self, change_set: AriChangeSet) -> tuple[AriRequest, ...]:
        """No request, whatever changed."""
        del change_set
        return ()

    def sent_availability(self, count: int) -> int:
        """The count itself (the export shows a night busy only when none is left)."""
        return count

    def render(self, request: AriRequest) -> tuple[str, str]:
        """Why nothing is sent (no request is ever shaped, so none is rendered really)."""
        del request
        return (
            "iCal export",
            "Nothing is sent to an iCal channel: the other side fetches this connection's "
            "export feed, which shows every night that is not available.",
        )


class IcalGatewayFactory:
    """Gateways of iCal connections, sharing the process's feed reader."""

    def __init__(
        self,
        reader: FeedReader,
        uow_factory: UnitOfWorkFactory,
        secrets: FeedSecrets,
        clock: Clock,
        suspect_hold: timedelta = DEFAULT_SUSPECT_HOLD,
    ) -> None:
        self._reader = reader
        self._uow_factory = uow_factory
        self._secrets = secrets
        self._clock = clock
        self._suspect_hold = suspect_hold

    def for_connection(self, connection: Connection) -> IcalGateway:
        """The gateway of ``connection`` (closing it leaves the shared reader open)."""
        return IcalGateway(
            connection,
            reader=self._reader,
            uow_factory=self._uow_factory,
            secrets=self._secrets,
            clock=self._clock,
            suspect_hold=self._suspect_hold,
        )


@attrs.frozen(kw_only=True)
class IcalChannel:
    """The iCal channel plug-in: no redirect flow, feed gateways, nothing sent, its own
    poll interval."""

    gateways: ChannelGatewayFactory
    poll_interval: timedelta | None = DEFAULT_ICAL_INTERVAL
    key: str = ICAL_CHANNEL
    authorizers: Mapping[AuthMode, AuthorizationFlow] = attrs.field(factory=dict)
    default_auth_mode: AuthMode | None = None
    publish_policy: PublishPolicy = attrs.field(factory=IcalPublishPolicy)
    #: Nothing is pushed to an iCal channel (the other side fetches our export), so no
    #: request budget; its fetches of their feeds follow ``poll_interval``.
    request_budgets: tuple[RequestBudget, ...] = ()
