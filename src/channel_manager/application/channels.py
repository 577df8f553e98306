"""The channels this process knows, by key: what the core dispatches on instead of a name.

The container registers one :class:`~channel_manager.ports.channel.ChannelPlugin` per channel
(Booking.com today). A connection's gateway is made by the plug-in its ``channel`` names; the
connect paths (``/connect/{channel}``, ``/oauth/{channel}/callback``) find their authorisers
here. The core never asks for a channel by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import NotFound, PermanentChannelError
from channel_manager.domain.request_budget import RequestBudget
from channel_manager.ports.channel import (
    AuthorizationFlow,
    ChannelGateway,
    ChannelPlugin,
    PublishPolicy,
)


class UnknownChannel(NotFound):
    """A channel key no plug-in is registered under (a connect path naming no channel of
    ours, say): answered 404."""

    def __init__(self, channel: str, known: Iterable[str]) -> None:
        super().__init__("channel", channel)
        names = ", ".join(sorted(known)) or "none"
        self.message = f"there is no channel {channel!r} here (channels: {names})"
        self.args = (self.message,)
        self.channel = channel


class ChannelNotRegistered(PermanentChannelError):  # noqa: N818 -- named for the failure
    """A stored connection names a channel this process has no plug-in for: nothing can be
    fetched or sent for it (a permanent failure, recorded where the call was made)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(
            "",
            f"connection {connection.id} is on channel {connection.channel!r}, "
            "which is not registered in this process",
        )
        self.channel = connection.channel


class ChannelRegistry:
    """The registered channel plug-ins by key; also the gateway factory of every channel
    (a connection's gateway comes from the plug-in of its ``channel``)."""

    def __init__(self, plugins: Iterable[ChannelPlugin]) -> None:
        self._plugins: dict[str, ChannelPlugin] = {}
        for plugin in plugins:
            if plugin.key in self._plugins:
                raise ValueError(f"two channel plug-ins are registered as {plugin.key!r}")
            self._plugins[plugin.key] = plugin

    def keys(self) -> tuple[str, ...]:
        """Every registered channel key, in registration order."""
        return tuple(self._plugins)

    def plugin(self, channel: str) -> ChannelPlugin:
        """The plug-in registered as ``channel``; :class:`UnknownChannel` if none is."""
        try:
            return self._plugins[channel]
        except KeyError:
            raise UnknownChannel(channel, self._plugins) from None

    def authorizers(self, channel: str) -> Mapping[AuthMode, AuthorizationFlow]:
        """How accounts of ``channel`` are authorised, by mode."""
        return self.plugin(channel).authorizers

    def for_connection(self, connection: Connection) -> ChannelGateway:
        """The gateway of ``connection``, made by the plug-in of its channel."""
        plugin = self._plugins.get(connection.channel)
        if plugin is None:
            raise ChannelNotRegistered(connection)
        return plugin.gateways.for_connection(connection)

    def publish_policy(self, connection: Connection) -> PublishPolicy:
        """How ``connection``'s channel is sent our calendar (``PublishPolicies``)."""
        plugin = self._plugins.get(connection.channel)
        if plugin is None:
            raise ChannelNotRegistered(connection)
        return plugin.publish_policy

    def request_budgets(self, connection: Connection) -> Sequence[RequestBudget]:
        """The request budgets of ``connection``'s channel (``RequestBudgets``; none for a
        channel not registered here: nothing is sent for it)."""
        plugin = self._plugins.get(connection.channel)
        return () if plugin is None else plugin.request_budgets

    def poll_interval(self, connection: Connection) -> timedelta | None:
        """How often ``connection`` is polled (``PollCadence``): its channel's own interval,
        ``None`` for the default (and for a channel not registered here: its poll fails and
        is recorded on the default cadence)."""
        plugin = self._plugins.get(connection.channel)
        return None if plugin is None else plugin.poll_interval
