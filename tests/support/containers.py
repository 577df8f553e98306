"""Containers for tests: the real wiring with in-memory adapters swapped in."""

from __future__ import annotations

from collections.abc import Mapping

from dependency_injector import providers

from channel_manager.adapters.memory.fake_authorizers import (
    FakeConnectivityAuthorizer,
    FakeOAuth2Authorizer,
)
from channel_manager.adapters.memory.gateway import FakeChannel, FakeGatewayFactory
from channel_manager.adapters.memory.unit_of_work import InMemoryUnitOfWorkFactory
from channel_manager.adapters.vault import generate_key
from channel_manager.container import Container, build_container
from channel_manager.domain.connection import AuthMode
from channel_manager.settings import Settings


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
    }
    environ.update(extra or {})
    return Settings.from_env(environ)


def memory_container(
    channel: FakeChannel | None = None, settings: Settings | None = None
) -> Container:
    """The real container over in-memory repositories and a fake channel."""
    channel = channel or FakeChannel()
    container = build_container(settings or make_settings())
    memory = InMemoryUnitOfWorkFactory(work_signal=container.work_signal())
    container.uow_factory.override(providers.Object(memory))
    container.gateways.override(providers.Object(FakeGatewayFactory(channel)))
    container.authorizers.override(
        providers.Object(
            {
                AuthMode.OAUTH2: FakeOAuth2Authorizer(channel),
                AuthMode.BOOKING_CONNECTIVITY: FakeConnectivityAuthorizer(channel),
            }
        )
    )
    return container
