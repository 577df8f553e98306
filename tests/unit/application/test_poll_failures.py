"""A connection whose polls keep failing says so: since when, and the latest error.

The channel can refuse every poll while the connection stays ``active`` (a hotel that is no
longer connected answers 403); failed polls left only failed runs behind, and an idle poll that
went through left nothing, so nothing could tell a recovery from a lull.
"""

from __future__ import annotations

from datetime import timedelta

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.errors import ChannelAuthError, PermanentChannelError
from channel_manager.domain.sync import SyncRunStatus
from channel_manager.entrypoints.rest.views import ConnectionView
from tests.unit.application.conftest import World

REFUSED = PermanentChannelError("403", "access denied for hotel 1000003")


async def test_failing_polls_are_remembered_from_the_first_until_one_goes_through(
    world: World,
) -> None:
    connection = await world.connect()
    sync, queries = world.container.sync(), world.container.queries()
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, REFUSED, times=2)
    first_failure = world.clock.now()

    run = await sync.poll(connection.id)
    world.clock.advance(timedelta(seconds=20))
    await sync.poll(connection.id)
    failing = queries.connection(world.organization.id, connection.id)

    assert run is not None
    assert run.status is SyncRunStatus.FAILED
    assert failing.status is ConnectionStatus.ACTIVE  # the badge alone would stay green
    assert failing.poll_failing_since == first_failure
    assert failing.poll_error is not None
    assert "access denied for hotel 1000003" in failing.poll_error

    world.clock.advance(timedelta(seconds=20))
    idle = await sync.poll(connection.id)  # nothing to import: no run recorded
    recovered = queries.connection(world.organization.id, connection.id)

    assert idle is None
    assert recovered.poll_failing_since is None
    assert recovered.poll_error is None


async def test_a_refused_login_stops_the_connection_instead(world: World) -> None:
    connection = await world.connect()
    world.channel.fail_next(
        GatewayOperation.FETCH_RESERVATIONS, ChannelAuthError("credentials refused")
    )

    await world.container.sync().poll(connection.id)
    stopped = world.container.queries().connection(world.organization.id, connection.id)

    assert stopped.status is ConnectionStatus.ERROR  # red, with its reason, as before
    assert stopped.poll_failing_since is None


async def test_a_long_error_is_kept_short(world: World) -> None:
    connection = await world.connect()
    world.channel.fail_next(
        GatewayOperation.FETCH_RESERVATIONS, PermanentChannelError("400", "x" * 5000)
    )

    await world.container.sync().poll(connection.id)
    stored = world.container.queries().connection(world.organization.id, connection.id)

    assert stored.poll_error is not None
    assert len(stored.poll_error) <= 500


async def test_reconnecting_clears_the_failure(world: World) -> None:
    connection = await world.connect()
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, REFUSED)
    await world.container.sync().poll(connection.id)

    assert connection.poll_failing_since is None  # the copy from before the poll
    with world.container.uow_factory()() as uow:
        failing = uow.connections.get(connection.id)
    assert failing.poll_failing_since is not None
    again = failing.activate("new-ref", world.clock.now())
    assert again.poll_failing_since is None
    assert again.poll_error is None


async def test_the_api_shows_failing_polls_too(world: World) -> None:
    connection = await world.connect()
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, REFUSED)
    first_failure = world.clock.now()
    await world.container.sync().poll(connection.id)

    health = world.container.queries().health(world.organization.id, connection.id)
    view = ConnectionView.of(health)

    assert view.poll_failing_since == first_failure
    assert view.poll_error is not None
    assert "access denied for hotel 1000003" in view.poll_error
