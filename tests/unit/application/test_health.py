"""Channel health (issue 18) over the application: facts gathered from what polls, pushes and
acknowledgements stored, judged at the injected clock's time, and the worker's check sending
``connection.unhealthy`` once per turn to red and ``reservation.unacknowledged`` once per
reservation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import uuid4

import pytest
from dependency_injector import providers

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.ari import AriChangeInput
from channel_manager.application.health import ChannelHealth
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.errors import (
    ChannelAuthError,
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.domain.events import EventType
from channel_manager.domain.health import Attempts, HealthStatus
from channel_manager.entrypoints.worker.loop import build_worker
from tests.support.builders import HOTEL, ROOM_DOUBLE, booking
from tests.support.clock import next_year
from tests.support.outbox import deliver_all
from tests.support.recorded_events import RecordingEvents
from tests.unit.application.conftest import World

UNAVAILABLE = RetryableChannelError("HTTP 503 from Booking.com")


@pytest.fixture
def events(world: World) -> Iterator[RecordingEvents]:
    recorder = RecordingEvents()
    world.container.events.override(providers.Object(recorder))
    yield recorder
    world.container.events.reset_override()


def _health(world: World) -> ChannelHealth:
    return world.container.health()


async def test_a_new_connection_that_polls_fine_is_green_with_its_last_poll(world: World):
    connection = await world.connect()
    polled_at = world.clock.now()
    await world.container.sync().poll(connection.id)

    report = _health(world).report(world.organization.id, connection.id)

    assert (report.status, report.reasons) == (HealthStatus.GREEN, ())
    assert report.facts.last_poll_at == polled_at
    assert report.facts.polls == Attempts(1, 0)


async def test_polls_failing_for_12_minutes_are_red_with_the_channel_error(world: World):
    connection = await world.connect()
    sync = world.container.sync()
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, UNAVAILABLE, times=2)
    await sync.poll(connection.id)
    amber = _health(world).report(world.organization.id, connection.id)
    world.clock.advance(timedelta(minutes=12))
    await sync.poll(connection.id)

    red = _health(world).report(world.organization.id, connection.id)

    assert amber.status is HealthStatus.AMBER
    assert red.status is HealthStatus.RED
    assert red.headline.startswith("polls failing for 12 min: ")
    assert "HTTP 503 from Booking.com" in red.headline
    assert red.facts.last_poll_at is None  # never one that went through


async def test_failures_an_hour_ago_no_longer_count_against_the_connection(world: World):
    connection = await world.connect()
    sync = world.container.sync()
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, UNAVAILABLE, times=6)
    for _ in range(8):
        await sync.poll(connection.id)
        world.clock.advance(timedelta(seconds=20))

    now = _health(world).report(world.organization.id, connection.id)
    world.clock.advance(timedelta(hours=2))
    await sync.poll(connection.id)
    later = _health(world).report(world.organization.id, connection.id)

    assert now.facts.polls == Attempts(8, 6)
    assert now.status is HealthStatus.RED  # 75% of 8 attempts failed
    assert any(r.code == "error_rate" and r.text.startswith("75% of 8") for r in now.reasons)
    assert later.facts.polls == Attempts(1, 0)
    assert later.status is HealthStatus.GREEN


async def test_a_reservation_unacknowledged_for_30_minutes_is_red_and_notified_once(
    world: World, events: RecordingEvents
):
    connection = await world.connect()
    await world.map_double(connection)
    sync, health = world.container.sync(), _health(world)
    world.channel.enqueue(booking("R1"))
    refusal = PermanentChannelError("400", "try again later")
    world.channel.fail_next(GatewayOperation.ACKNOWLEDGE, refusal, times=3)
    first_seen = world.clock.now()
    await sync.poll(connection.id)
    await deliver_all(world.container, "the booking's availability")

    assert health.check_due() == 1
    # Amber: not yet past 30 minutes. (The booking's own reservation.created is the
    # intake's, issue 18's webhooks: not health's.)
    health_events = (EventType.RESERVATION_UNACKNOWLEDGED, EventType.CONNECTION_UNHEALTHY)
    assert [e for e in events.emitted if e.event in health_events] == []
    world.clock.advance(timedelta(minutes=20))
    await sync.poll(connection.id)
    world.clock.advance(timedelta(minutes=11))
    await sync.poll(connection.id)
    report = health.report(world.organization.id, connection.id)
    assert health.check_due() == 1
    world.clock.advance(timedelta(minutes=2))
    assert health.check_due() == 1  # still red: nothing new is sent

    assert report.status is HealthStatus.RED
    [unacked] = report.facts.unacknowledged
    assert (unacked.external_id, unacked.first_seen_at) == ("R1", first_seen)
    assert "try again later" in unacked.reason
    assert report.headline.startswith("1 reservation unacknowledged for over 30 min")
    [late] = events.of(EventType.RESERVATION_UNACKNOWLEDGED)
    assert late.data["reservation_id"] == "R1"
    assert late.data["first_seen_at"] == first_seen.isoformat()
    [unhealthy] = events.of(EventType.CONNECTION_UNHEALTHY)
    assert unhealthy.organization_id == world.organization.id
    assert unhealthy.data["connection_id"] == str(connection.id)
    assert any("unacknowledged" in str(text) for text in unhealthy.data["reasons"])  # type: ignore[union-attr]

    # Acknowledged at last: forgotten, green again; a later turn to red is sent again.
    await sync.poll(connection.id)
    assert health.report(world.organization.id, connection.id).status is HealthStatus.GREEN
    world.clock.advance(timedelta(minutes=2))
    assert health.check_due() == 1
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, UNAVAILABLE, times=2)
    await sync.poll(connection.id)
    world.clock.advance(timedelta(minutes=6))
    await sync.poll(connection.id)
    assert health.check_due() == 1
    assert len(events.of(EventType.CONNECTION_UNHEALTHY)) == 2


async def test_the_check_waits_for_its_interval(world: World, events: RecordingEvents):
    connection = await world.connect()
    health = _health(world)
    assert health.check_due() == 1
    world.clock.advance(health.every / 2)
    assert health.check_due() == 0
    world.clock.advance(health.every)
    assert health.check_due() == 1
    assert events.emitted == []
    del connection


async def test_a_change_queued_for_40_minutes_is_red(world: World):
    connection = await world.connect()
    await world.map_double(connection)
    day = next_year(4, 1)
    world.container.ari().submit(
        world.organization.id,
        connection.id,
        [_change(day)],
    )
    queued = _health(world).report(world.organization.id, connection.id)
    world.clock.advance(timedelta(minutes=40))
    late = _health(world).report(world.organization.id, connection.id)

    assert queued.status is HealthStatus.GREEN
    assert queued.facts.queued >= 1
    assert late.status is HealthStatus.RED
    assert late.headline.startswith("oldest queued change waiting for 40 min")
    assert late.facts.last_push_at is not None  # the opening calendar went through


def _change(day: date) -> AriChangeInput:
    return AriChangeInput(
        hotel_code=HOTEL, room_type_code=ROOM_DOUBLE, start=day, end=day, availability=1
    )


async def test_another_organisations_connection_is_not_found(world: World):
    connection = await world.connect()
    other = world.container.inventory().ensure_organization("Other Hotels")
    with pytest.raises(NotFound):
        _health(world).report(other.id, connection.id)


async def test_the_worker_sends_connection_unhealthy_once_per_turn_to_red(
    world: World, events: RecordingEvents
):
    connection = await world.connect()
    worker = build_worker(world.container, "health-test")
    world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, UNAVAILABLE, times=3)

    await worker.tick()
    amber = list(events.emitted)
    world.clock.advance(timedelta(minutes=6))
    await worker.tick()
    world.clock.advance(timedelta(minutes=2))
    await worker.tick()

    assert amber == []
    [unhealthy] = events.of(EventType.CONNECTION_UNHEALTHY)
    assert unhealthy.data["connection_id"] == str(connection.id)
    assert unhealthy.order_key == f"connection:{connection.id}"
    [reason] = unhealthy.data["reasons"]  # type: ignore[misc,str-unpack]
    assert str(reason).startswith("polls failing for 6 min: ")


async def test_a_connection_a_poll_marks_broken_still_sends_connection_unhealthy(
    world: World, events: RecordingEvents
):
    connection = await world.connect()
    worker = build_worker(world.container, "health-test")
    await worker.tick()
    world.channel.fail_next(
        GatewayOperation.FETCH_RESERVATIONS, ChannelAuthError("token revoked by channel")
    )
    world.clock.advance(timedelta(minutes=1))
    await worker.tick()
    world.clock.advance(timedelta(minutes=2))
    await worker.tick()

    with world.container.uow_factory()() as uow:
        assert uow.connections.get(connection.id).status is ConnectionStatus.ERROR
    [unhealthy] = events.of(EventType.CONNECTION_UNHEALTHY)
    assert unhealthy.data["connection_id"] == str(connection.id)
    assert any("token revoked" in str(reason) for reason in unhealthy.data["reasons"])  # type: ignore[union-attr]


async def test_an_overbooked_mapped_unit_turns_the_booking_connection_amber(world: World):
    connection = await world.connect()
    await world.map_double(connection)
    for number in range(4):  # the Double has 3 rooms
        world.channel.enqueue(booking(f"R{number}"))
    await world.container.sync().poll(connection.id)
    await deliver_all(world.container, "the bookings' availability")

    report = _health(world).report(world.organization.id, connection.id)

    assert report.status is HealthStatus.AMBER
    [overbooked] = report.facts.overbooked
    assert (overbooked.unit_name, overbooked.nights) == ("Double", 2)
    assert overbooked.first_night == next_year(3, 10).isoformat()
    assert report.headline == f"overbooked: Double (2 nights from {next_year(3, 10)})"


async def test_a_full_batch_goes_on_at_the_next_pass(world: World):
    first = await world.connect()
    second = Connection(
        id=uuid4(),
        organization_id=world.organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        created_at=world.clock.now(),
    ).activate("connection/second", world.clock.now())
    with world.container.uow_factory()() as uow:
        uow.connections.add(second)
        uow.commit()
    health = _health(world)

    assert health.check_due(limit=1) == 1
    assert health.check_due(limit=1) == 1  # more were due: no wait
    assert health.check_due(limit=1) == 0
    assert health.check_due(limit=1) == 0  # all done: waits for the interval
    with world.container.uow_factory()() as uow:
        checked = {uow.health.get(c.id).checked_at for c in (first, second)}
    assert checked == {world.clock.now()}
