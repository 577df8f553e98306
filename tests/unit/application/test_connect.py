"""Connecting: single-use, expiring states; credentials sealed; disconnect keeps history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.application.errors import UnknownAuthState
from channel_manager.domain.connection import AuthMode, ConnectionStatus
from channel_manager.domain.errors import (
    AuthStateExpired,
    AuthStateForeign,
    AuthStateReused,
    ChannelAuthError,
)
from tests.unit.application.conftest import World


def _flow(world: World) -> FakeOAuth2Authorizer:
    flow = world.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(flow, FakeOAuth2Authorizer)
    return flow


async def test_approved_flow_creates_an_active_connection_with_sealed_credentials(
    world: World,
) -> None:
    connection = await world.connect()

    assert connection.status is ConnectionStatus.ACTIVE
    assert connection.credential_ref is not None
    with world.container.uow_factory()() as uow:
        sealed = uow.secrets.get(connection.credential_ref)
    material = world.container.credentials().load(connection.credential_ref)
    assert material
    assert material not in sealed


async def test_a_state_cannot_be_used_twice(world: World) -> None:
    connect = world.container.connect()
    url = connect.begin(
        world.organization.id, AuthMode.OAUTH2, binding="browser-a", channel="booking"
    )
    params = _flow(world).approve(url)
    await connect.complete(params["state"], params, binding="browser-a", channel="booking")

    with pytest.raises(AuthStateReused):
        await connect.complete(params["state"], params, binding="browser-a", channel="booking")


async def test_an_expired_state_is_refused(world: World) -> None:
    connect = world.container.connect()
    url = connect.begin(
        world.organization.id, AuthMode.OAUTH2, binding="browser-a", channel="booking"
    )
    params = _flow(world).approve(url)
    world.clock.advance(timedelta(hours=2))

    with pytest.raises(AuthStateExpired):
        await connect.complete(params["state"], params, binding="browser-a", channel="booking")


async def test_an_unknown_state_is_refused(world: World) -> None:
    with pytest.raises(UnknownAuthState):
        await world.container.connect().complete(
            "never-issued", {"code": "x"}, binding="browser-a", channel="booking"
        )


async def test_denial_creates_no_connection_and_burns_the_state(world: World) -> None:
    connect = world.container.connect()
    url = connect.begin(
        world.organization.id, AuthMode.OAUTH2, binding="browser-a", channel="booking"
    )
    params = _flow(world).deny(url)

    with pytest.raises(ChannelAuthError):
        await connect.complete(params["state"], params, binding="browser-a", channel="booking")
    assert world.container.queries().connections(world.organization.id) == []
    with pytest.raises(AuthStateReused):
        await connect.complete(params["state"], params, binding="browser-a", channel="booking")


@pytest.mark.parametrize("callback_binding", ["browser-b", None])
async def test_a_callback_from_another_browser_or_caller_is_refused_and_leaves_the_state(
    world: World, callback_binding: str | None
) -> None:
    connect = world.container.connect()
    url = connect.begin(
        world.organization.id, AuthMode.OAUTH2, binding="browser-a", channel="booking"
    )
    params = _flow(world).approve(url)

    with pytest.raises(AuthStateForeign, match="another browser"):
        await connect.complete(params["state"], params, binding=callback_binding, channel="booking")

    assert world.container.queries().connections(world.organization.id) == []
    # The browser that started the flow can still finish it.
    connection = await connect.complete(
        params["state"], params, binding="browser-a", channel="booking"
    )
    assert connection.status is ConnectionStatus.ACTIVE


async def test_disconnect_revokes_forgets_credentials_and_keeps_history(world: World) -> None:
    connection = await world.connect()
    assert connection.credential_ref is not None

    revoked = await world.container.connect().disconnect(world.organization.id, connection.id)

    assert revoked.status is ConnectionStatus.REVOKED
    assert revoked.next_poll_at is None
    assert world.container.queries().connections(world.organization.id) == [revoked]
    with world.container.uow_factory()() as uow:
        assert connection.credential_ref not in uow.secrets.all_refs()
