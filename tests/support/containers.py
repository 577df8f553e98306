"""Containers for tests: the real wiring over a private SQLite file, with fake channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dependency_injector import providers

from channel_manager.adapters.memory.channel_plugin import FakeChannelPlugin, fake_authorizers
from channel_manager.adapters.memory.feed_reader import InMemoryFeedReader
from channel_manager.adapters.memory.gateway import FakeChannel, FakeGatewayFactory
from channel_manager.adapters.vault import generate_key
from channel_manager.container import Container, build_container
from channel_manager.ports.channel import ChannelPlugin
from channel_manager.settings import Settings
from tests.support.database import fresh_engine


def make_settings(extra: Mapping[str, str] | None = None) -> Settings:
    """Settings for tests: a fresh vault key, fast cadences, nothing secret reused."""
    environ = {
        "CM_VAULT_KEYS": generate_key(),
        "CM_DATABASE_URL": "sqlite:///:memory:",
        "CM_BOOKING_CLIENT_ID": "test-client",
        "CM_BOOKING_CLIENT_SECRET": "test-secret",
        "CM_POLL_INTERVAL": "1s",
        "CM_ACK_PAUSE": "10ms",
        "CM_PUSH_USERNAME": "push-user",
        "CM_PUSH_PASSWORD": "push-password",
        # A movable clock that stands still never refills a request budget (issue 18): the
        # tests of budgets set their own.
        "CM_BOOKING_ARI_BUDGET": "1000000 per second",
    }
    environ.update(extra or {})
    return Settings.from_env(environ)


def app_container(
    channel: FakeChannel | None = None,
    settings: Settings | None = None,
    *,
    others: Mapping[str, FakeChannel] | None = None,
    plugins: Sequence[ChannelPlugin] = (),
) -> Container:
    """The real container over a fresh copy of the migrated SQLite template (the production
    unit of work, clock and work signal; the file is deleted when the test ends), with the
    fake ``channel`` registered
    as ``booking`` (its gateways and authorisers in Booking.com's place); each of ``others``
    is registered beside it under its own key, and so is each of ``plugins``. The iCal channel
    stays registered (unless a plug-in takes its key), reading an ``InMemoryFeedReader``
    (``container.feed_reader()``)."""
    channel = channel or FakeChannel()
    container = build_container(settings or make_settings())
    container.engine.override(providers.Object(fresh_engine()))
    container.gateways.override(providers.Object(FakeGatewayFactory(channel)))
    container.authorizers.override(providers.Object(fake_authorizers(channel)))
    container.feed_reader.override(providers.Object(InMemoryFeedReader()))
    # Each stands in for a channel like Booking.com, so it is sent what Booking.com is sent.
    policy = container.booking_channel().publish_policy
    extra: list[ChannelPlugin] = [
        FakeChannelPlugin.over(key, other, publish_policy=policy)
        for key, other in (others or {}).items()
    ]
    extra.extend(plugins)
    if extra:
        ical = [] if any(p.key == "ical" for p in extra) else [container.ical_channel]
        container.channel_plugins.override(
            providers.List(
                container.booking_channel,
                *ical,
                *(providers.Object(plugin) for plugin in extra),
            )
        )
    return container
