"""Reservations in (stored, acknowledged after commit, availability derived and queued) and
ARI out (validated, compressed, delivered, retried, given up, replayed).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.ari import AriChangeInput
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    UnitMappingInput,
)
from channel_manager.application.outbound import PushSuperseded
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import (
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
    UnknownRoomType,
)
from channel_manager.domain.reservation import ReservationStatus
from channel_manager.domain.sync import CLAIM_LEASE, OutboundMessage, OutboundState
from channel_manager.entrypoints.rest.errors import status_for
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, ROOM_SUITE, booking
from tests.support.clock import next_year
from tests.support.waiting import eventually
from tests.unit.application.conftest import World


async def _map_double_only(world: World, connection: Connection) -> None:
    """Map the hotel and its double room (the suite stays unmapped) and the rate plan; what
    the mapping sent (test_mapping_calendar.py) is set apart, so each test sees the pushes
    it causes."""
    await world.map_double(connection)


def _submit_double(
    world: World, connection: Connection, start: date, end: date, **values: Any
) -> list[OutboundMessage]:
    """Queue ARI for the mapped double room of the hotel over ``start..end``."""
    change = AriChangeInput(
        hotel_code=HOTEL,
        room_type_code=ROOM_DOUBLE,
        start=start,
        end=end,
        **values,
    )
    return world.container.ari().submit(world.organization.id, connection.id, [change])


async def test_discovery_suggests_the_property_and_units_by_name(world: World) -> None:
    connection = await world.connect()

    [hotel] = await world.container.mappings().discover(world.organization.id, connection.id)

    assert hotel.suggested_property_id == world.property.id
    suggested = {room.code: room.suggested_unit_id for room in hotel.room_types}
    assert suggested == {ROOM_DOUBLE: world.double.id, ROOM_SUITE: world.suite.id}
    assert hotel.unmapped_room_types == (ROOM_DOUBLE, ROOM_SUITE)


async def test_mapping_rejects_unknown_room_types_and_foreign_units(world: World) -> None:
    connection = await world.connect()
    other = world.container.inventory().create_property(world.organization.id, "Other", "EUR")
    foreign = world.container.inventory().create_unit(world.organization.id, other.id, "X")
    mappings = world.container.mappings()

    def request(unit: UnitMappingInput) -> MappingsInput:
        hotel = HotelMappingInput(
            external_property_id=HOTEL, internal_property_id=world.property.id, units=(unit,)
        )
        return MappingsInput(hotels=(hotel,))

    with pytest.raises(UnknownRoomType):
        await mappings.save(
            world.organization.id,
            connection.id,
            request(UnitMappingInput(external_room_type_id="nope", create_unit=True)),
        )
    with pytest.raises(InvalidRequest) as refused:
        await mappings.save(
            world.organization.id,
            connection.id,
            request(
                UnitMappingInput(external_room_type_id=ROOM_DOUBLE, internal_unit_id=foreign.id)
            ),
        )
    # Named as a person knows them, never by raw ids.
    assert "the unit 'X' belongs to your property 'Other', not to 'Canal House Amsterdam'" in (
        str(refused.value)
    )
    assert str(foreign.id) not in str(refused.value)


async def test_poll_stores_acknowledges_and_pushes_derived_availability(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    world.channel.enqueue(booking("R1", nights=2))
    world.channel.enqueue(booking("R2", room=ROOM_SUITE))

    run = await world.container.sync().poll(connection.id)

    assert run is not None
    assert run.counts["reservations"] == 2
    assert world.channel.pending_messages() == []
    stored = world.container.queries().reservations(world.organization.id)
    by_id = {r.external_id: r for r in stored}
    assert by_id["R1"].room_stays[0].unit_id == world.double.id
    assert by_id["R1"].property_id == world.property.id
    assert by_id["R2"].has_unmapped_rooms  # kept and flagged, never dropped
    [push] = world.pushes()
    assert isinstance(push.payload, AvailRequest)
    [item] = push.payload.items
    assert (item.room_type_code, item.start, item.end) == (
        ROOM_DOUBLE,
        next_year(3, 10),
        next_year(3, 11),
    )
    assert item.booking_limit == world.double.count - 1


async def test_mapping_a_room_type_later_links_its_reservations(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    world.channel.enqueue(booking("R2", room=ROOM_SUITE))
    await world.container.sync().poll(connection.id)
    assert world.pushes() == []

    await world.container.mappings().save(
        world.organization.id,
        connection.id,
        MappingsInput(
            hotels=(
                HotelMappingInput(
                    external_property_id=HOTEL,
                    internal_property_id=world.property.id,
                    units=(
                        UnitMappingInput(
                            external_room_type_id=ROOM_DOUBLE, internal_unit_id=world.double.id
                        ),
                        UnitMappingInput(
                            external_room_type_id=ROOM_SUITE, internal_unit_id=world.suite.id
                        ),
                    ),
                ),
            )
        ),
    )

    [stored] = world.container.queries().reservations(world.organization.id)
    assert stored.room_stays[0].unit_id == world.suite.id
    assert not stored.has_unmapped_rooms
    # The suite's availability goes out (its whole calendar, test_mapping_calendar.py): the
    # only suite is taken on the booked nights, wherever they fall.
    sent = {}
    for push in sorted(world.pushes(), key=lambda m: m.created_at):
        assert isinstance(push.payload, AvailRequest)
        for item in push.payload.items:
            assert item.room_type_code == ROOM_SUITE
            for night in stored.room_stays[0].nights:
                if item.start <= night <= item.end:
                    sent[night] = item.booking_limit
    assert sent == dict.fromkeys(stored.room_stays[0].nights, 0)


async def test_a_cancellation_gives_the_rooms_back(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    world.clock.advance(timedelta(minutes=1))
    world.channel.enqueue(booking("R1", kind=ReservationMessageKind.CANCEL, minute=5))

    await world.container.sync().poll(connection.id)

    [stored] = world.container.queries().reservations(world.organization.id)
    assert stored.status is ReservationStatus.CANCELLED
    newest = world.pushes()[0]
    assert isinstance(newest.payload, AvailRequest)
    assert newest.payload.items[0].booking_limit == world.double.count


async def test_redelivery_changes_nothing(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    intake = world.container.intake()
    message = booking("R1")
    intake.apply(connection, message)
    pushes = len(world.pushes())

    outcome = intake.apply(connection, message)

    assert outcome.value == "duplicate"
    assert len(world.pushes()) == pushes


async def test_ari_is_validated_against_mappings(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    ari = world.container.ari()
    change = AriChangeInput(
        hotel_code=HOTEL,
        room_type_code=ROOM_SUITE,
        start=next_year(1, 1),
        end=next_year(1, 3),
        availability=1,
    )
    with pytest.raises(UnknownRoomType):
        ari.submit(world.organization.id, connection.id, [change])
    with pytest.raises(InvalidRequest, match="rate plan"):
        ari.submit(
            world.organization.id,
            connection.id,
            [
                AriChangeInput(
                    hotel_code=HOTEL,
                    room_type_code=ROOM_DOUBLE,
                    start=next_year(1, 1),
                    end=next_year(1, 3),
                    rate="99.00",
                )
            ],
        )


async def test_ari_is_delivered_and_lands_in_the_channel(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    queued = _submit_double(
        world,
        connection,
        next_year(1, 30),
        next_year(2, 2),
        rate_plan_code=RATE_STANDARD,
        availability=2,
        rate="120.50",
    )
    # Two months x (availability, rates): four requests, never one crossing a month.
    assert len(queued) == 4

    sent = await world.container.dispatcher().dispatch_due("w1", limit=10)

    assert sent == 4
    states = {m.state for m in world.pushes()}
    assert states == {OutboundState.DELIVERED}
    assert world.channel.availability[(HOTEL, ROOM_DOUBLE, next_year(2, 2))] == 2
    assert str(world.channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, next_year(1, 30))]) in {
        "120.50 EUR",
        "EUR 120.50",
    }


async def test_transient_failures_back_off_honouring_retry_after(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    [push] = _submit_double(world, connection, next_year(1, 5), next_year(1, 6), availability=1)
    world.channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY,
        RetryableChannelError("429 too many requests", timedelta(seconds=90)),
    )
    dispatcher = world.container.dispatcher()

    await dispatcher.dispatch_due("w1")

    retried = dispatcher.get(world.organization.id, push.id)
    assert retried.state is OutboundState.PENDING
    assert retried.next_attempt_at >= world.clock.now() + timedelta(seconds=90)
    assert await dispatcher.dispatch_due("w1") == 0  # not due yet
    world.clock.advance(timedelta(seconds=91))
    assert await dispatcher.dispatch_due("w1") == 1
    delivered = dispatcher.get(world.organization.id, push.id)
    assert (delivered.state, delivered.attempts) == (OutboundState.DELIVERED, 2)


async def test_permanent_failure_is_visible_and_replayable(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    [push] = _submit_double(world, connection, next_year(1, 5), next_year(1, 5), stop_sell=True)
    world.channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY, PermanentChannelError("402", "room not active")
    )
    dispatcher = world.container.dispatcher()
    await dispatcher.dispatch_due("w1")
    failed = dispatcher.get(world.organization.id, push.id)
    assert failed.state is OutboundState.FAILED
    assert failed.last_error is not None
    assert "room not active" in failed.last_error

    dispatcher.replay(world.organization.id, push.id)
    await dispatcher.dispatch_due("w1")

    assert dispatcher.get(world.organization.id, push.id).state is OutboundState.DELIVERED


async def test_another_organisation_sees_nothing(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    intruder = world.container.inventory().ensure_organization("Intruders")
    queries = world.container.queries()
    [reservation] = queries.reservations(world.organization.id)
    [push] = world.pushes()

    assert queries.connections(intruder.id) == []
    assert queries.reservations(intruder.id) == []
    assert world.container.dispatcher().list(intruder.id) == []
    with pytest.raises(NotFound):
        queries.connection(intruder.id, connection.id)
    with pytest.raises(NotFound):
        queries.reservation(intruder.id, reservation.id)
    with pytest.raises(NotFound):
        world.container.dispatcher().replay(intruder.id, push.id)
    with pytest.raises(NotFound):
        await world.container.mappings().discover(intruder.id, connection.id)


async def test_a_worker_whose_lease_ran_out_does_not_overwrite_the_new_owner(
    world: World,
) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    [push] = _submit_double(world, connection, next_year(1, 5), next_year(1, 5), availability=2)
    dispatcher = world.container.dispatcher()
    # First call (the stuck worker): slow, then accepted. Second call (the new owner): refused.
    world.channel.delay_next(GatewayOperation.PUSH_AVAILABILITY, 0.2)
    world.channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY, PermanentChannelError("402", "refused for the owner")
    )
    pushes = world.channel.calls.count(GatewayOperation.PUSH_AVAILABILITY)
    slow = asyncio.create_task(dispatcher.dispatch_due("stuck-worker"))
    # The stuck worker is now waiting for the channel.
    await eventually(lambda: world.channel.calls.count(GatewayOperation.PUSH_AVAILABILITY) > pushes)
    world.clock.advance(CLAIM_LEASE + timedelta(seconds=1))

    assert await dispatcher.dispatch_due("new-owner") == 1
    await slow

    final = dispatcher.get(world.organization.id, push.id)
    assert final.state is OutboundState.FAILED  # the owner's outcome, not the late success
    assert final.last_error is not None
    assert "refused for the owner" in final.last_error


async def test_unacknowledged_reservations_are_counted_with_their_age_until_acknowledged(
    world: World,
) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    world.channel.enqueue(booking("R1"))
    world.channel.fail_next(
        GatewayOperation.ACKNOWLEDGE, PermanentChannelError("400", "try again later")
    )
    queries = world.container.queries()

    first = await world.container.sync().poll(connection.id)
    world.clock.advance(timedelta(minutes=1))
    # Offered again; only the first acknowledgement was scripted to fail, so this one clears it.
    await world.container.sync().poll(connection.id)

    assert first is not None
    assert first.counts["unacknowledged"] == 1
    cleared = queries.health(world.organization.id, connection.id)
    assert cleared.unacknowledged_reservations == 0
    assert cleared.unacknowledged_since is None


async def test_the_backlog_dates_from_the_first_run_that_left_messages_behind(
    world: World,
) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    world.channel.enqueue(booking("R1"))
    refusal = PermanentChannelError("400", "refused")
    world.channel.fail_next(GatewayOperation.ACKNOWLEDGE, refusal, times=2)
    started = world.clock.now()

    await world.container.sync().poll(connection.id)
    world.clock.advance(timedelta(minutes=5))
    await world.container.sync().poll(connection.id)

    health = world.container.queries().health(world.organization.id, connection.id)
    assert health.unacknowledged_reservations == 1
    assert health.unacknowledged_since == started
    [reservation] = world.container.queries().reservations(world.organization.id)
    assert reservation.external_id == "R1"  # stored all along; only the channel lags


async def test_saving_a_mapping_reads_the_channel_once(world: World) -> None:
    connection = await world.connect()
    calls_before = len(world.channel.calls)

    await _map_double_only(world, connection)

    made = world.channel.calls[calls_before:]
    assert made.count(GatewayOperation.LIST_PROPERTIES) == 1
    assert made.count(GatewayOperation.GET_CATALOG) == 1


async def test_mapped_hotels_come_from_our_records_without_asking_the_channel(
    world: World,
) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    calls_before = len(world.channel.calls)

    [hotel] = world.container.mappings().mapped(world.organization.id, connection.id)

    assert world.channel.calls[calls_before:] == []
    assert (hotel.hotel_code, hotel.currency) == (HOTEL, "EUR")
    assert [(room.code, room.mapped_unit_id) for room in hotel.room_types] == [
        (ROOM_DOUBLE, world.double.id)
    ]
    assert [plan.code for plan in hotel.rate_plans] == [RATE_STANDARD]
    intruder = world.container.inventory().ensure_organization("Intruders")
    with pytest.raises(NotFound):
        world.container.mappings().mapped(intruder.id, connection.id)


async def _failed_stop_sell(world: World) -> tuple[Connection, OutboundMessage]:
    """A connection whose stop-sell push for 5-9 January 2027 the channel refused for good."""
    connection = await world.connect()
    await _map_double_only(world, connection)
    [push] = _submit_double(world, connection, next_year(1, 5), next_year(1, 9), stop_sell=True)
    world.channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY, PermanentChannelError("402", "room not active")
    )
    await world.container.dispatcher().dispatch_due("w1")
    return connection, push


async def test_a_failed_push_that_a_newer_one_overrides_is_not_replayed(world: World) -> None:
    """Replaying old absolute values after newer ones were delivered would undo them."""
    connection, old = await _failed_stop_sell(world)
    dispatcher = world.container.dispatcher()
    world.clock.advance(timedelta(seconds=1))
    [elsewhere] = _submit_double(
        world, connection, next_year(1, 20), next_year(1, 21), stop_sell=False
    )
    await dispatcher.dispatch_due("w1")
    world.clock.advance(timedelta(seconds=1))
    [newer] = _submit_double(world, connection, next_year(1, 8), next_year(1, 8), stop_sell=False)
    await dispatcher.dispatch_due("w1")
    assert dispatcher.get(world.organization.id, newer.id).state is OutboundState.DELIVERED

    with pytest.raises(PushSuperseded) as refused:
        dispatcher.replay(world.organization.id, old.id)

    assert refused.value.newer_id == newer.id
    assert "superseded by a newer push" in str(refused.value)
    assert str(newer.id) not in str(refused.value)  # a person reads it: no raw ids
    assert dispatcher.get(world.organization.id, old.id).state is OutboundState.FAILED
    assert status_for(refused.value)[0] == 409
    assert elsewhere.id != newer.id  # a newer push elsewhere alone would not have refused it


async def test_a_failed_push_goes_out_again_before_a_newer_pending_one(world: World) -> None:
    """A newer push still queued is no reason to refuse: the replay keeps its place ahead."""
    connection, old = await _failed_stop_sell(world)
    dispatcher = world.container.dispatcher()
    world.clock.advance(timedelta(seconds=1))
    [newer] = _submit_double(world, connection, next_year(1, 8), next_year(1, 8), stop_sell=False)

    dispatcher.replay(world.organization.id, old.id)
    await dispatcher.dispatch_due("w1")

    def stop_sell(day: date) -> object:
        [values] = [v for k, v in world.channel.restrictions.items() if k[3] == day]
        return values.get("stop_sell")

    assert dispatcher.get(world.organization.id, old.id).state is OutboundState.DELIVERED
    assert dispatcher.get(world.organization.id, newer.id).state is OutboundState.DELIVERED
    assert stop_sell(next_year(1, 5)) is True  # the replayed values went out
    assert stop_sell(next_year(1, 8)) is False  # and the newer ones after them
