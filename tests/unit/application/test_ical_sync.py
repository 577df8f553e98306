"""An iCal connection polled through the SyncService: what its feed shows becomes
reservations of the unit, and what they take goes out as availability to the Booking.com
connection mapped to the same unit. Vanished events give the rooms back; an empty feed is
held until it is fetched again; a 304 and a re-issued UID change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dependency_injector import providers

from channel_manager.adapters.memory.feed_reader import InMemoryFeedReader
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.domain.feed import FeedEvent
from channel_manager.domain.inventory import local_today
from channel_manager.domain.reservation import ReservationKind, ReservationStatus
from tests.support.builders import ROOM_DOUBLE
from tests.support.feeds import StoredFeed, airbnb_block, airbnb_stay, store_feed_connection
from tests.unit.application.conftest import World


class HighJitter:
    """A jitter source that always spreads to the top of the range."""

    def uniform(self, _a: float, b: float) -> float:
        return b


@pytest.fixture
def highest_jitter(world: World) -> World:
    world.container.rng.override(providers.Object(HighJitter()))
    return world


def _feed(world: World) -> StoredFeed:
    credentials = world.container.credentials()
    return store_feed_connection(
        world.container.uow_factory(),
        world.double,
        world.organization.id,
        world.clock.now(),
        credentials.put,
    )


def _reader(world: World) -> InMemoryFeedReader:
    reader = world.container.feed_reader()
    assert isinstance(reader, InMemoryFeedReader)
    return reader


def _today(world: World) -> date:
    return local_today(world.clock.now(), world.property.timezone)


def _limits(world: World, booking: Connection) -> dict[date, int]:
    """The newest booking limit sent to ``booking`` for the double room, by night."""
    sent: dict[date, int] = {}
    for push in sorted(world.pushes(), key=lambda m: m.created_at):
        assert push.connection_id == booking.id  # nothing is ever queued for the feed
        assert isinstance(push.payload, AvailRequest)
        for item in push.payload.items:
            assert item.room_type_code == ROOM_DOUBLE
            assert item.booking_limit is not None
            night = item.start
            while night <= item.end:
                sent[night] = item.booking_limit
                night += timedelta(days=1)
    return sent


def _nights(event: FeedEvent) -> list[date]:
    return [event.start + timedelta(days=n) for n in range(event.nights)]


async def _booking_and_feed(world: World) -> tuple[Connection, StoredFeed]:
    booking = await world.connect()
    await world.map_double(booking)
    return booking, _feed(world)


async def test_a_stay_in_the_feed_takes_a_room_and_goes_out_to_booking(world: World) -> None:
    booking, feed = await _booking_and_feed(world)
    stay = airbnb_stay(_today(world) + timedelta(days=20), 3, "HMSTAY01", phone="9876")
    _reader(world).publish(feed.url, [stay])

    run = await world.container.sync().poll(feed.connection.id)

    assert run is not None
    assert run.counts["reservations"] == 1
    [stored] = world.container.queries().reservations(world.organization.id)
    assert stored.channel == "ical"
    assert stored.external_id == "HMSTAY01"
    assert stored.kind is ReservationKind.BOOKING
    assert stored.source == "airbnb"
    assert stored.property_id == world.property.id
    assert stored.room_stays[0].unit_id == world.double.id
    assert (stored.arrival, stored.departure) == (stay.start, stay.end)
    assert {i.value for i in stored.reservation_ids} == {"HMSTAY01", stay.uid}
    assert "guest phone ends in 9876" in stored.remarks
    assert _limits(world, booking) == dict.fromkeys(_nights(stay), world.double.count - 1)
    with world.container.uow_factory()() as uow:
        calendar = uow.calendar_feeds.get(feed.connection.id)
        assert [k.key for k in uow.calendar_feeds.known_events(feed.connection.id)] == ["HMSTAY01"]
    assert (calendar.stays, calendar.blocks, calendar.last_error) == (1, 0, None)
    assert calendar.validators.etag is not None  # every message stored: the next may be a 304


async def test_a_vanished_future_event_is_cancelled_and_gives_the_room_back(
    world: World,
) -> None:
    booking, feed = await _booking_and_feed(world)
    today = _today(world)
    stay = airbnb_stay(today + timedelta(days=10), 2, "HMGONE01")
    block = airbnb_block(today + timedelta(days=40), 2, "block-1@airbnb.com")
    reader = _reader(world)
    reader.publish(feed.url, [stay, block])
    await world.container.sync().poll(feed.connection.id)

    reader.remove(feed.url, stay)
    world.clock.advance(timedelta(minutes=10))
    run = await world.container.sync().poll(feed.connection.id)

    assert run is not None
    assert run.counts["reservations"] == 1
    by_id = {
        r.external_id: r for r in world.container.queries().reservations(world.organization.id)
    }
    assert by_id["HMGONE01"].status is ReservationStatus.CANCELLED
    assert by_id["block-1@airbnb.com"].kind is ReservationKind.BLOCK
    assert by_id["block-1@airbnb.com"].status is ReservationStatus.CONFIRMED
    limits = _limits(world, booking)
    assert {night: limits[night] for night in _nights(stay)} == dict.fromkeys(
        _nights(stay), world.double.count
    )
    assert {night: limits[night] for night in _nights(block)} == dict.fromkeys(
        _nights(block), world.double.count - 1
    )


async def test_an_empty_feed_is_held_as_suspect_until_fetched_again(world: World) -> None:
    _booking, feed = await _booking_and_feed(world)
    today = _today(world)
    stays = [airbnb_stay(today + timedelta(days=5 * n), 2, f"HMKEEP{n:02d}") for n in range(1, 5)]
    reader = _reader(world)
    reader.publish(feed.url, stays)
    sync = world.container.sync()
    await sync.poll(feed.connection.id)

    reader.publish(feed.url, [])
    world.clock.advance(timedelta(minutes=10))
    held = await sync.poll(feed.connection.id)

    assert held is None  # nothing applied: no run
    stored = world.container.queries().reservations(world.organization.id)
    assert all(r.status is not ReservationStatus.CANCELLED for r in stored)
    with world.container.uow_factory()() as uow:
        calendar = uow.calendar_feeds.get(feed.connection.id)
    assert calendar.suspect_reason == "the feed is empty, but 4 future events were known"
    assert calendar.suspect_since == world.clock.now()
    assert calendar.stays == 4  # what is in force while the empty answer is held

    world.clock.advance(timedelta(minutes=10))
    confirmed = await sync.poll(feed.connection.id)

    assert confirmed is not None
    assert confirmed.counts["reservations"] == 4
    stored = world.container.queries().reservations(world.organization.id)
    assert all(r.status is ReservationStatus.CANCELLED for r in stored)
    with world.container.uow_factory()() as uow:
        calendar = uow.calendar_feeds.get(feed.connection.id)
        assert uow.calendar_feeds.known_events(feed.connection.id) == []
    assert calendar.suspect_reason is None
    assert calendar.stays == 0


async def test_a_suspect_feed_that_recovers_changes_nothing(world: World) -> None:
    _booking, feed = await _booking_and_feed(world)
    today = _today(world)
    stays = [airbnb_stay(today + timedelta(days=5 * n), 2, f"HMBACK{n:02d}") for n in range(1, 5)]
    reader = _reader(world)
    reader.publish(feed.url, stays)
    sync = world.container.sync()
    await sync.poll(feed.connection.id)
    reader.publish(feed.url, stays[:1])
    await sync.poll(feed.connection.id)

    reader.publish(feed.url, stays)
    recovered = await sync.poll(feed.connection.id)

    assert recovered is None
    stored = world.container.queries().reservations(world.organization.id)
    assert all(r.status is ReservationStatus.CONFIRMED for r in stored)
    with world.container.uow_factory()() as uow:
        assert uow.calendar_feeds.get(feed.connection.id).suspect_reason is None


async def test_a_304_changes_nothing(world: World) -> None:
    booking, feed = await _booking_and_feed(world)
    stay = airbnb_stay(_today(world) + timedelta(days=3), 2, "HMSAME01")
    reader = _reader(world)
    reader.publish(feed.url, [stay])
    sync = world.container.sync()
    await sync.poll(feed.connection.id)
    pushes = world.pushes()

    world.clock.advance(timedelta(minutes=10))
    again = await sync.poll(feed.connection.id)

    assert again is None
    assert reader.reads[-1].validators.etag == '"v1"'  # asked conditionally: answered 304
    assert world.pushes() == pushes
    [stored] = world.container.queries().reservations(world.organization.id)
    assert stored.status is ReservationStatus.CONFIRMED
    with world.container.uow_factory()() as uow:
        calendar = uow.calendar_feeds.get(feed.connection.id)
    assert calendar.last_fetch_at == world.clock.now()
    assert booking.id != feed.connection.id


async def test_a_reissued_uid_does_not_churn(world: World) -> None:
    _booking, feed = await _booking_and_feed(world)
    today = _today(world)
    block = airbnb_block(today + timedelta(days=8), 5, "first@airbnb.com")
    reader = _reader(world)
    reader.publish(feed.url, [block])
    sync = world.container.sync()
    await sync.poll(feed.connection.id)
    pushes = world.pushes()

    reissued = airbnb_block(block.start, block.nights, "second@airbnb.com")
    reader.publish(feed.url, [reissued])
    run = await sync.poll(feed.connection.id)

    assert run is None
    assert world.pushes() == pushes
    [stored] = world.container.queries().reservations(world.organization.id)
    assert stored.status is ReservationStatus.CONFIRMED
    with world.container.uow_factory()() as uow:
        [known] = uow.calendar_feeds.known_events(feed.connection.id)
    assert (known.key, known.event.uid) == ("first@airbnb.com", "second@airbnb.com")


async def test_a_moved_block_is_a_modification(world: World) -> None:
    booking, feed = await _booking_and_feed(world)
    today = _today(world)
    block = airbnb_block(today + timedelta(days=8), 3, "first@airbnb.com")
    reader = _reader(world)
    reader.publish(feed.url, [block])
    sync = world.container.sync()
    await sync.poll(feed.connection.id)

    later = airbnb_block(block.start + timedelta(days=1), 3, "second@airbnb.com")
    reader.publish(feed.url, [later])
    world.clock.advance(timedelta(minutes=10))
    await sync.poll(feed.connection.id)

    [stored] = world.container.queries().reservations(world.organization.id)
    assert stored.status is ReservationStatus.MODIFIED
    assert (stored.arrival, stored.departure) == (later.start, later.end)
    limits = _limits(world, booking)
    assert limits[block.start] == world.double.count
    assert limits[later.end - timedelta(days=1)] == world.double.count - 1


async def test_a_failing_feed_is_recorded_on_the_feed_and_the_poll(world: World) -> None:
    _booking, feed = await _booking_and_feed(world)
    reader = _reader(world)
    reader.publish(feed.url, [])
    reader.fail_next(RetryableChannelError("the feed answered 503"))

    run = await world.container.sync().poll(feed.connection.id)

    assert run is not None
    assert run.errors == ("the feed answered 503",)
    with world.container.uow_factory()() as uow:
        calendar = uow.calendar_feeds.get(feed.connection.id)
        connection = uow.connections.get(feed.connection.id)
    assert calendar.last_error == "the feed answered 503"
    assert connection.poll_error == "the feed answered 503"


async def test_a_feed_is_polled_at_its_own_interval_with_jitter(highest_jitter: World) -> None:
    world = highest_jitter
    booking, feed = await _booking_and_feed(world)
    _reader(world).publish(feed.url, [])
    sync = world.container.sync()
    now = world.clock.now()

    await sync.poll(feed.connection.id)
    await sync.poll(booking.id)

    with world.container.uow_factory()() as uow:
        polled_feed = uow.connections.get(feed.connection.id)
        polled_booking = uow.connections.get(booking.id)
    assert polled_feed.next_poll_at == now + timedelta(minutes=10) * 1.1
    assert polled_booking.next_poll_at == now + timedelta(seconds=1)  # CM_POLL_INTERVAL, exact


async def test_a_full_sync_of_a_feed_refreshes_its_property_and_fetches(world: World) -> None:
    _booking, feed = await _booking_and_feed(world)
    stay = airbnb_stay(_today(world) + timedelta(days=4), 2, "HMFULL01")
    _reader(world).publish(feed.url, [stay])

    run = await world.container.sync().full_sync(feed.connection.id)

    assert run.counts["hotels"] == 1
    assert run.counts["reservations"] == 1
    with world.container.uow_factory()() as uow:
        mapping = uow.property_mappings.find(feed.connection.id, feed.hotel_code)
    assert mapping is not None
    assert mapping.last_sync_at == world.clock.now()
