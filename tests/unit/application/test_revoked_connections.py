"""A connection that is no longer active reaches nothing at the channel (issue 12 review).

The attack: after its owner's disconnect or the operator's ``connections move-hotel``, the old
connection could still start a sync (fetching and acknowledging the hotel's reservations, so
they never reached the new holder), list the hotel's catalogue, replay a failed stop-sell, and
the worker still delivered the pushes it had queued. Each test shows one of these now does no
harm; the last ones show the hotel-claim check behind the status checks.
"""

from __future__ import annotations

import pytest

from channel_manager.adapters.memory.fake_authorizers import FakeConnectivityAuthorizer
from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.claim_scope import HotelNotHeld
from channel_manager.application.errors import ConnectionNotActive
from channel_manager.application.mapping_views import HotelMappingInput, MappingsInput
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.sync import OutboundState, SyncRunStatus
from channel_manager.entrypoints.rest.errors import status_for
from channel_manager.entrypoints.worker.loop import build_worker
from tests.support.builders import HOTEL, ROOM_DOUBLE, booking
from tests.support.clock import next_year
from tests.unit.application.conftest import World
from tests.unit.application.test_reservations_and_ari import _map_double_only, _submit_double

BROWSER = "browser-a"


async def _mapped_holder(world: World) -> Connection:
    """The organisation's connection holding ``HOTEL``, with its double room mapped."""
    connection = await world.connect()
    await _map_double_only(world, connection)
    _forget_what_the_channel_saw(world)
    return connection


def _forget_what_the_channel_saw(world: World) -> None:
    """Clear the fake channel's record (the opening calendar the mapping sent included), so a
    test sees only what reaches the channel after that."""
    world.channel.calls.clear()
    world.channel.availability.clear()


def _move_away(world: World) -> Connection:
    """The operator moves ``HOTEL`` to another organisation; its new connection."""
    rightful = world.container.inventory().ensure_organization("Rightful Owner")
    move = world.container.connect().move_hotel(
        HOTEL, rightful.id, "ticket 7: deed shown", channel="booking"
    )
    return move.connection


async def test_the_old_holder_cannot_sync_after_the_hotel_was_moved(world: World) -> None:
    old = await _mapped_holder(world)
    _move_away(world)
    world.channel.enqueue(booking("R1"))
    sync = world.container.sync()

    with pytest.raises(ConnectionNotActive, match="revoked") as refused:
        sync.request(world.organization.id, old.id)
    with pytest.raises(ConnectionNotActive):
        await sync.full_sync(old.id)  # as the CLI would run it
    assert await sync.poll(old.id) is None

    assert status_for(refused.value)[0] == 409
    assert world.channel.calls == []  # nothing fetched, nothing acknowledged
    assert [m.reservation.external_id for m in world.channel.pending_messages()] == ["R1"]
    assert world.container.queries().reservations(world.organization.id) == []


async def test_a_sync_requested_before_the_revocation_runs_into_nothing(world: World) -> None:
    old = await _mapped_holder(world)
    sync = world.container.sync()
    run = sync.request(world.organization.id, old.id)  # 202, then the move lands
    _move_away(world)
    world.channel.enqueue(booking("R1"))

    finished = await sync.full_sync(old.id, run)

    assert finished.status is SyncRunStatus.FAILED
    assert any("revoked" in error for error in finished.errors)
    assert world.channel.calls == []
    assert len(world.channel.pending_messages()) == 1


async def test_a_disconnected_connection_cannot_list_or_map_the_hotel(world: World) -> None:
    old = await _mapped_holder(world)
    await world.container.connect().disconnect(world.organization.id, old.id)
    world.channel.calls.clear()
    mappings = world.container.mappings()

    with pytest.raises(ConnectionNotActive):
        await mappings.discover(world.organization.id, old.id)
    with pytest.raises(ConnectionNotActive):
        await mappings.save(
            world.organization.id,
            old.id,
            MappingsInput(hotels=(HotelMappingInput(external_property_id=HOTEL),)),
        )
    assert world.channel.calls == []


async def test_a_failed_push_of_a_revoked_connection_is_not_replayed(world: World) -> None:
    old = await _mapped_holder(world)
    [push] = _submit_double(world, old, next_year(1, 5), next_year(1, 5), stop_sell=True)
    world.channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY, PermanentChannelError("402", "room not active")
    )
    dispatcher = world.container.dispatcher()
    await dispatcher.dispatch_due("w1")
    _move_away(world)
    world.channel.calls.clear()

    with pytest.raises(ConnectionNotActive) as refused:
        dispatcher.replay(world.organization.id, push.id)
    assert await dispatcher.dispatch_due("w1") == 0

    assert status_for(refused.value)[0] == 409
    assert dispatcher.get(world.organization.id, push.id).state is OutboundState.FAILED
    assert world.channel.calls == []
    assert (HOTEL, ROOM_DOUBLE, next_year(1, 5)) not in world.channel.availability


@pytest.mark.parametrize("revocation", ["disconnect", "move-hotel"])
async def test_pushes_queued_before_the_revocation_are_given_up_not_sent(
    world: World, revocation: str
) -> None:
    old = await _mapped_holder(world)
    queued = _submit_double(world, old, next_year(1, 5), next_year(2, 5), stop_sell=True)
    if revocation == "disconnect":
        await world.container.connect().disconnect(world.organization.id, old.id)
    else:
        _move_away(world)
    world.channel.calls.clear()
    dispatcher = world.container.dispatcher()

    assert await dispatcher.dispatch_due("w1", limit=10) == 0

    assert world.channel.calls == []
    assert world.channel.availability == {}
    for push in queued:
        given_up = dispatcher.get(world.organization.id, push.id)
        assert given_up.state is OutboundState.FAILED
        assert given_up.last_error is not None
        assert "connection revoked" in given_up.last_error


async def _extranet_holder(world: World) -> Connection:
    """A booking-connectivity connection of the organisation holding ``HOTEL``."""
    world.channel.connected.discard(HOTEL)  # not yet connected: the Extranet request is real
    connect = world.container.connect()
    url = connect.begin(
        world.organization.id,
        AuthMode.BOOKING_CONNECTIVITY,
        HOTEL,
        binding=BROWSER,
        channel="booking",
    )
    flow = world.container.authorizers()[AuthMode.BOOKING_CONNECTIVITY]
    assert isinstance(flow, FakeConnectivityAuthorizer)
    params = flow.request_connection(url)
    return await connect.complete(params["state"], params, binding=BROWSER, channel="booking")


def _drop_claim(world: World, connection: Connection) -> None:
    """The hotel claim goes while the connection stays active (what no status check sees)."""
    with world.container.uow_factory()() as uow:
        uow.hotel_claims.release_connection(connection.id)
        uow.commit()


async def test_a_gateway_acts_only_on_a_hotel_its_connection_holds(world: World) -> None:
    holder = await _extranet_holder(world)
    await _map_double_only(world, holder)
    _forget_what_the_channel_saw(world)
    [push] = _submit_double(world, holder, next_year(1, 5), next_year(1, 5), stop_sell=True)
    _drop_claim(world, holder)
    world.channel.enqueue(booking("R1"))
    world.channel.calls.clear()

    await world.container.dispatcher().dispatch_due("w1")
    with pytest.raises(HotelNotHeld):
        await world.container.mappings().discover(world.organization.id, holder.id)
    polled = await world.container.sync().poll(holder.id)

    assert world.channel.calls == []  # nothing fetched, acknowledged, listed or pushed
    assert polled is not None
    assert any("does not hold" in error for error in polled.errors)
    assert len(world.channel.pending_messages()) == 1
    failed = world.container.dispatcher().get(world.organization.id, push.id)
    assert failed.state is OutboundState.FAILED
    assert failed.last_error is not None
    assert "does not hold" in failed.last_error
    assert world.channel.availability == {}
    # It cannot heal by itself: the connection stops, saying why, instead of failing again
    # every 20 seconds.
    with world.container.uow_factory()() as uow:
        stopped = uow.connections.get(holder.id)
    assert stopped.status is ConnectionStatus.ERROR
    assert stopped.error_reason is not None
    assert "does not hold" in stopped.error_reason


async def test_a_holding_gateway_works_as_before(world: World) -> None:
    holder = await _extranet_holder(world)
    await _map_double_only(world, holder)
    world.channel.enqueue(booking("R1"))

    polled = await world.container.sync().poll(holder.id)

    assert polled is not None
    assert polled.counts["reservations"] == 1
    assert world.channel.pending_messages() == []
    assert await world.container.dispatcher().dispatch_due("w1") >= 1
    assert all(
        m.state is OutboundState.DELIVERED
        for m in world.container.dispatcher().list(world.organization.id)
    )


async def test_pushes_left_queued_by_an_earlier_revocation_are_given_up_at_worker_start(
    world: World,
) -> None:
    """A database from before revocations gave pushes up: the worker gives them up first."""
    old = await _mapped_holder(world)
    queued = _submit_double(world, old, next_year(1, 5), next_year(1, 5), stop_sell=True)
    with world.container.uow_factory()() as uow:  # revoked the old way: pushes left queued
        uow.connections.update(uow.connections.get(old.id).revoke(world.clock.now()))
        uow.commit()
    world.channel.calls.clear()

    await build_worker(world.container, "w1").run(once=True)

    assert world.channel.calls == []
    for push in queued:
        given_up = world.container.dispatcher().get(world.organization.id, push.id)
        assert given_up.state is OutboundState.FAILED
        assert given_up.last_error is not None
        assert "connection revoked" in given_up.last_error
