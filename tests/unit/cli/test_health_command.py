"""``channel-manager connections health ID`` (issue 18): the status, why, the facts; with
``--check`` a red connection exits 1; an unknown id is not found."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

from channel_manager.adapters.memory.gateway import FakeChannel, GatewayOperation
from channel_manager.container import Container
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.support.clock import MovableClock
from tests.unit.cli.conftest import Invoke, World, hotel_catalog, one_error_line


def test_a_connection_failing_for_12_minutes_reads_red_and_fails_the_check(
    invoke: Invoke, world: World, container: Container, channel: FakeChannel
) -> None:
    channel.add_hotel(hotel_catalog())
    clock = container.clock()
    assert isinstance(clock, MovableClock)
    sync = container.sync()
    healthy = invoke("connections", "health", str(world.connection.id), "--check")
    channel.fail_next(
        GatewayOperation.FETCH_RESERVATIONS, RetryableChannelError("HTTP 503"), times=2
    )
    asyncio.run(sync.poll(world.connection.id))
    clock.advance(timedelta(minutes=12))
    asyncio.run(sync.poll(world.connection.id))

    shown = invoke("connections", "health", str(world.connection.id))
    checked = invoke("connections", "health", str(world.connection.id), "--check")

    assert healthy.exit_code == 0, healthy.output
    assert healthy.stdout.startswith("status: green")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "status: red"
    assert lines[1].startswith("  red: polls failing for 12 min: ")
    assert "HTTP 503" in lines[1]
    assert "last successful poll: never" in shown.stdout
    assert "error rate (last hour): 100% of 2 attempts" in shown.stdout
    assert checked.exit_code == ExitCode.FAILURE


def test_an_unknown_connection_is_not_found(invoke: Invoke, world: World) -> None:
    result = invoke("connections", "health", str(uuid4()))
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "not found" in one_error_line(result)
    del world
