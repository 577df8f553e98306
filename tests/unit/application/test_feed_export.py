"""What a calendar's consumer is served: the unit's nights with no room left from every
other channel and our closures, never its own stays echoed back; stable UIDs and ETag."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channel_manager.application.calendar import CalendarChangeInput
from channel_manager.application.feed_export import busy_uid
from channel_manager.application.feeds import FeedConnection
from channel_manager.domain.errors import NotFound
from tests.support.feed_world import PUBLIC_URL, FeedWorld, feed_world, parse_ranges, stamp_of


@pytest.fixture
def world() -> Iterator[FeedWorld]:
    made = feed_world()
    yield made
    made.container.unwire()


def _token(made: FeedConnection) -> str:
    return made.export_url.removeprefix(PUBLIC_URL + "/ical/").removesuffix(".ics")


def _ranges(world: FeedWorld, made: FeedConnection) -> list[tuple[date, date]]:
    body = world.feeds.export(_token(made)).body
    return [(start, end) for _, start, end, _ in parse_ranges(body)]


def test_another_channels_booking_is_one_busy_range(world: FeedWorld) -> None:
    made = world.connect()
    first = world.first
    world.book(world.booking.id, world.loft, first, 3, "B1")
    exported = world.feeds.export(_token(made))
    assert exported.media_type == "text/calendar; charset=utf-8"
    [(uid, start, end, summary)] = parse_ranges(exported.body)
    assert (start, end) == (first, first + timedelta(days=3))
    assert uid == busy_uid(first, made.connection.id)
    assert uid == f"{first:%Y%m%d}-{made.connection.id}@channel-manager"
    assert summary == "Not available"
    assert b"B1" not in exported.body  # no reservation data at all


def test_its_own_stays_are_not_echoed_back(world: FeedWorld) -> None:
    made = world.connect()
    first = world.first
    world.book(made.connection.id, world.loft, first, 2, "HMOWN")
    world.book(world.booking.id, world.loft, first + timedelta(days=5), 1, "B1")
    assert _ranges(world, made) == [(first + timedelta(days=5), first + timedelta(days=6))]
    # Another calendar of the same unit sees the first one's stay.
    other = world.connect("Vrbo - Loft")
    assert _ranges(world, other) == [
        (first, first + timedelta(days=2)),
        (first + timedelta(days=5), first + timedelta(days=6)),
    ]


def test_a_unit_of_several_rooms_is_busy_only_when_none_is_left(world: FeedWorld) -> None:
    made = world.connect("Airbnb - Apartment", unit=world.apartments)
    first = world.first
    world.book(world.booking.id, world.apartments, first, 3, "B1")
    assert _ranges(world, made) == []
    world.book(world.booking.id, world.apartments, first + timedelta(days=1), 1, "B2")
    assert _ranges(world, made) == [(first + timedelta(days=1), first + timedelta(days=2))]


def test_our_closures_are_exported(world: FeedWorld) -> None:
    made = world.connect()
    first = world.first
    world.container.calendar().change(
        world.organization.id,
        [
            CalendarChangeInput(
                unit_id=world.loft.id, start=first, end=first + timedelta(days=1), stop_sell=True
            ),
            CalendarChangeInput(
                unit_id=world.loft.id,
                start=first + timedelta(days=2),
                end=first + timedelta(days=2),
                availability=0,
            ),
            CalendarChangeInput(
                unit_id=world.loft.id,
                start=first + timedelta(days=10),
                end=first + timedelta(days=10),
                availability=0,
            ),
        ],
    )
    assert _ranges(world, made) == [
        (first, first + timedelta(days=3)),
        (first + timedelta(days=10), first + timedelta(days=11)),
    ]


def test_the_window_starts_on_the_propertys_today(world: FeedWorld) -> None:
    made = world.connect()
    today = world.clock.now().date()
    world.book(world.booking.id, world.loft, today - timedelta(days=2), 4, "B1")
    assert _ranges(world, made) == [(today, today + timedelta(days=2))]


def test_the_etag_is_stable_until_the_calendar_changes(world: FeedWorld) -> None:
    made = world.connect()
    first = world.first
    world.book(world.booking.id, world.loft, first, 2, "B1")
    before = world.feeds.export(_token(made))
    assert before.etag.startswith('"')
    assert before.etag.endswith('"')
    world.clock.advance(timedelta(seconds=1))
    again = world.feeds.export(_token(made))
    assert (again.body, again.etag) == (before.body, before.etag)
    world.book(world.booking.id, world.loft, first + timedelta(days=7), 1, "B2")
    after = world.feeds.export(_token(made))
    assert after.etag != before.etag
    # The stamp is the start of the property's day: stable all day.
    today = world.clock.now().date()
    assert set(stamp_of(after.body)) == {datetime(today.year, today.month, today.day, tzinfo=UTC)}


def test_unknown_rotated_and_revoked_tokens_are_not_found(world: FeedWorld) -> None:
    made = world.connect()
    with pytest.raises(NotFound):
        world.feeds.export("x" * 43)
    with world.container.uow_factory()() as uow:
        uow.connections.update(made.connection.revoke(world.clock.now()))
        uow.commit()
    with pytest.raises(NotFound):
        world.feeds.export(_token(made))


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_today_and_the_stamp_are_the_propertys_own(world: FeedWorld, zone: str) -> None:
    inventory = world.container.inventory()
    prop = inventory.create_property(world.organization.id, "Far Away", "EUR", zone)
    hut = inventory.create_unit(world.organization.id, prop.id, "Hut", count=1)
    made = world.connect("Airbnb - Hut", unit=hut)
    now = world.clock.now()
    today = now.astimezone(ZoneInfo(zone)).date()
    world.book(world.booking.id, hut, today - timedelta(days=1), 3, "B1")
    exported = world.feeds.export(_token(made))
    assert [(s, e) for _, s, e, _ in parse_ranges(exported.body)] == [
        (today, today + timedelta(days=2))
    ]
    midnight = datetime.combine(today, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert set(stamp_of(exported.body)) == {midnight}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stays=st.lists(st.tuples(st.booleans(), st.integers(0, 12), st.integers(1, 4)), max_size=8),
    closed=st.sets(st.integers(0, 15), max_size=3),
)
def test_busy_nights_are_the_nights_no_room_is_left_for_the_consumer(
    stays: list[tuple[bool, int, int]], closed: set[int]
) -> None:
    """Against a recount: a night of the two-room apartment is busy exactly when the
    reservations of every *other* connection take both rooms, or they and the consumer's own
    take both (but not the consumer's own alone: no echo), or we closed it."""
    world = feed_world()
    made = world.connect("Airbnb - Apartment", unit=world.apartments)
    first = world.first
    others: Counter[date] = Counter()
    ours: Counter[date] = Counter()
    for n, (own, offset, nights) in enumerate(stays):
        arrival = first + timedelta(days=offset)
        owner = made.connection.id if own else world.booking.id
        world.book(owner, world.apartments, arrival, nights, f"R{n}")
        (ours if own else others).update(arrival + timedelta(days=d) for d in range(nights))
    if closed:
        world.container.calendar().change(
            world.organization.id,
            [
                CalendarChangeInput(
                    unit_id=world.apartments.id,
                    start=first + timedelta(days=c),
                    end=first + timedelta(days=c),
                    stop_sell=True,
                )
                for c in closed
            ],
        )
    expected = {
        night
        for night, rooms in others.items()
        if rooms >= 2 or (rooms + ours[night] >= 2 and ours[night] < 2)
    } | {first + timedelta(days=c) for c in closed}
    exported = world.feeds.export(_token(made)).body
    busy = {
        start + timedelta(days=d)
        for _, start, end, _ in parse_ranges(exported)
        for d in range((end - start).days)
    }
    assert busy == expected
    ranges = parse_ranges(exported)
    assert len({uid for uid, *_ in ranges}) == len(ranges)  # a UID per range
    world.container.unwire()
