"""``ari resync`` and ``ari drift`` through the CLI: send a window again to one connection,
and list what it may not hold (exit 0 when nothing, 1 when something differs)."""

from __future__ import annotations

import asyncio
import json
from uuid import UUID, uuid4

import attrs
import pytest

from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.unit.cli.conftest import Invoke, World, hotel_catalog, one_error_line


def _args(command: str, world: World, start: str = "2025-06-01", end: str = "2025-06-03"):
    return ("ari", command, "--connection", str(world.connection.id), "--from", start, "--to", end)


def _deliver(container: Container) -> None:
    dispatcher = container.dispatcher()
    while asyncio.run(dispatcher.dispatch_due("w1", limit=100)):
        pass


@pytest.fixture
def hotel(channel: FakeChannel) -> FakeChannel:
    """The channel holds the world's hotel H1."""
    channel.add_hotel(hotel_catalog())
    return channel


def test_resync_queues_the_window_and_prints_the_push_ids(
    invoke: Invoke, world: World, container: Container, hotel: FakeChannel
) -> None:
    result = invoke(*_args("resync", world))

    assert result.exit_code == 0, result.output
    ids = [UUID(line) for line in result.stdout.split()]
    assert f"queued {len(ids)} push(es) for 2025-06-01..2025-06-03" in result.stderr
    [push] = [container.dispatcher().get(world.organization.id, push_id) for push_id in ids]
    assert push.connection_id == world.connection.id
    assert isinstance(push.payload, AvailRequest)
    assert [
        (i.start.isoformat(), i.end.isoformat(), i.booking_limit) for i in push.payload.items
    ] == [("2025-06-01", "2025-06-03", world.unit.count)]
    _deliver(container)
    assert hotel.availability[("H1", "R1", push.payload.items[0].start)] == world.unit.count


def test_drift_lists_differences_and_exits_1_until_a_resync_is_delivered(
    invoke: Invoke, world: World, container: Container, hotel: FakeChannel
) -> None:
    found = invoke(*_args("drift", world, end="2025-06-02"))

    assert found.exit_code == ExitCode.FAILURE, found.output
    assert "never_sent" in found.stdout
    assert "channel_differs" in found.stdout
    assert "Double" in found.stdout
    assert "4 difference(s) on 2025-06-01..2025-06-02" in found.stderr
    assert "what the channel holds" in found.stderr
    as_json = invoke(*_args("drift", world, end="2025-06-02"), "--json")
    assert as_json.exit_code == ExitCode.FAILURE
    report = json.loads(as_json.stdout)
    assert (report["connection_id"], report["readback"]) == (str(world.connection.id), "compared")
    assert {(d["night"], d["field"], d["reason"], d["ours"]) for d in report["differences"]} == {
        (night, "availability", reason, str(world.unit.count))
        for night in ("2025-06-01", "2025-06-02")
        for reason in ("never_sent", "channel_differs")
    }

    assert invoke(*_args("resync", world, end="2025-06-02")).exit_code == 0
    queued = json.loads(invoke(*_args("drift", world, end="2025-06-02"), "--json").stdout)
    assert {d["reason"] for d in queued["differences"]} == {"queued", "channel_differs"}
    _deliver(container)
    clean = invoke(*_args("drift", world, end="2025-06-02"))
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == ""
    assert "no differences on 2025-06-01..2025-06-02" in clean.stderr
    clean_json = invoke(*_args("drift", world, end="2025-06-02"), "--json")
    assert (clean_json.exit_code, json.loads(clean_json.stdout)["differences"]) == (0, [])


def test_drift_says_when_the_channel_was_not_asked(
    invoke: Invoke, world: World, container: Container, hotel: FakeChannel
) -> None:
    with container.uow_factory()() as uow:
        uow.connections.update(attrs.evolve(world.connection, status=ConnectionStatus.ERROR))
        uow.commit()

    result = invoke(*_args("drift", world, end="2025-06-01"))

    assert result.exit_code == ExitCode.FAILURE
    assert "the connection is not active" in result.stderr
    assert "channel_differs" not in result.stdout
    refused = invoke(*_args("resync", world))
    assert refused.exit_code == ExitCode.FAILURE
    assert "not active" in one_error_line(refused)


def test_a_channel_refusing_the_readback_is_exit_4(invoke: Invoke, world: World) -> None:
    # The fake channel does not know hotel H1: it refuses to answer for it.
    result = invoke(*_args("drift", world))

    assert result.exit_code == ExitCode.CHANNEL, result.output
    assert "access denied for hotel H1" in one_error_line(result)


@pytest.mark.parametrize(
    ("start", "end", "code", "fragment"),
    [
        ("2025-06-03", "2025-06-01", ExitCode.USAGE, "before"),
        ("2025-06-01", "2026-07-06", ExitCode.USAGE, "at most 400"),
        ("2025-02-28", "2025-03-02", ExitCode.USAGE, "in the past"),
        ("June 1st", "2025-06-03", ExitCode.USAGE, "'--from'"),
    ],
)
@pytest.mark.parametrize("command", ["resync", "drift"])
def test_bad_windows_are_one_line_and_queue_nothing(
    invoke: Invoke,
    world: World,
    container: Container,
    hotel: FakeChannel,
    command: str,
    start: str,
    end: str,
    code: ExitCode,
    fragment: str,
) -> None:
    result = invoke(*_args(command, world, start, end))

    assert result.exit_code == code, result.output
    assert fragment in one_error_line(result)
    assert container.dispatcher().list(world.organization.id) == []


def test_an_unknown_connection_is_not_found(invoke: Invoke, world: World) -> None:
    for command in ("resync", "drift"):
        args = ("ari", command, "--connection", str(uuid4()), "--from", "2025-06-01")
        result = invoke(*args, "--to", "2025-06-02")
        assert result.exit_code == ExitCode.NOT_FOUND
        assert "not found" in one_error_line(result)
