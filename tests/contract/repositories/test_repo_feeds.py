"""Contract: calendar feeds and their baselines, and a reservation's kind, on every backend."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import attrs
import pytest

from channel_manager.domain.errors import NotFound
from channel_manager.domain.feed import (
    CalendarFeed,
    FeedEvent,
    FeedEventKind,
    FeedValidators,
    KnownEvent,
)
from channel_manager.domain.reservation import ReservationKind
from channel_manager.ports.errors import DuplicateRecord

from .repository_builders import DAY0, at, new_unit, rich_reservation, seed


def _feed(seeded, *, token_hash: str = "a" * 64, minute: int = 0) -> CalendarFeed:
    return CalendarFeed(
        connection_id=seeded.connection.id,
        unit_id=seeded.unit.id,
        name="Airbnb - Sea View Loft",
        export_token_hash=token_hash,
        created_at=at(minute),
    )


def _known(key: str, *, nights: int = 2, uid: str | None = None, **extra) -> KnownEvent:
    return KnownEvent(
        key=key,
        event=FeedEvent(
            uid=uid,
            start=DAY0,
            end=DAY0 + timedelta(days=nights),
            kind=extra.pop("kind", FeedEventKind.STAY),
            **extra,
        ),
    )


def test_a_feed_round_trips_with_every_field(uow_factory):
    seeded = seed(uow_factory)
    feed = _feed(seeded)
    with uow_factory() as uow:
        uow.calendar_feeds.add(feed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.calendar_feeds.get(seeded.connection.id) == feed
    fetched = attrs.evolve(
        feed,
        end_is_last_night=True,
        validators=FeedValidators(etag='W/"abc"', last_modified="Sat, 05 Dec 2026 10:00:00 GMT"),
        last_fetch_at=at(5),
        last_success_at=at(4),
        last_error="the feed answered 500",
        stays=3,
        blocks=2,
        problems=("event x has no DTEND", "a recurring event was expanded"),
        suspect_since=at(5),
        suspect_reason="the feed is empty",
        suspect_fingerprint="f" * 64,
    )
    with uow_factory() as uow:
        uow.calendar_feeds.update(fetched)
        uow.commit()
    with uow_factory() as uow:
        assert uow.calendar_feeds.get(seeded.connection.id) == fetched
        assert uow.calendar_feeds.find_by_token_hash("a" * 64) == fetched
        assert uow.calendar_feeds.find_by_token_hash("b" * 64) is None


def test_an_unknown_feed_is_not_found(uow_factory):
    with uow_factory() as uow, pytest.raises(NotFound):
        uow.calendar_feeds.get(uuid4())


def test_a_second_feed_for_a_connection_is_refused(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        uow.calendar_feeds.add(_feed(seeded))
        uow.commit()
    with uow_factory() as uow, pytest.raises(DuplicateRecord):
        uow.calendar_feeds.add(_feed(seeded, token_hash="b" * 64))


def test_feeds_of_a_unit_are_listed_oldest_first(uow_factory):
    first, second = seed(uow_factory), seed(uow_factory)
    with uow_factory() as uow:
        other_unit = new_unit(first.property.id, "single")
        uow.units.add(other_unit)
        uow.calendar_feeds.add(_feed(second, token_hash="2" * 64, minute=5))
        # A second connection of the first world fills the same unit as the second.
        uow.calendar_feeds.add(
            attrs.evolve(_feed(first, token_hash="1" * 64, minute=1), unit_id=second.unit.id)
        )
        uow.commit()
    with uow_factory() as uow:
        found = uow.calendar_feeds.list_by_unit(second.unit.id)
        assert [feed.connection_id for feed in found] == [
            first.connection.id,
            second.connection.id,
        ]
        assert uow.calendar_feeds.list_by_unit(other_unit.id) == []


def test_the_baseline_is_put_replaced_and_forgotten_by_key(uow_factory):
    seeded, other = seed(uow_factory), seed(uow_factory)
    stay = _known(
        "HMABC123",
        uid="1418fb94e984-a@airbnb.com",
        summary="Reserved",
        confirmation_code="HMABC123",
        phone_last_digits="1234",
    )
    block = _known("block:2025-06-01:2025-06-04", nights=3, kind=FeedEventKind.BLOCK)
    long_uid = "vrbo-" + "x" * 600  # the sender's UID is kept whole, whatever its length
    vrbo = _known("vrbo-uid", uid=long_uid, summary="Reserved - Ann", guest_name="Ann")
    with uow_factory() as uow:
        uow.calendar_feeds.add(_feed(seeded))
        uow.calendar_feeds.add(_feed(other, token_hash="c" * 64))
        uow.calendar_feeds.put_known(seeded.connection.id, [stay, block, vrbo])
        uow.calendar_feeds.put_known(other.connection.id, [stay])
        uow.commit()
    with uow_factory() as uow:
        assert uow.calendar_feeds.known_events(seeded.connection.id) == [stay, block, vrbo]
    moved = attrs.evolve(stay, event=attrs.evolve(stay.event, end=DAY0 + timedelta(days=5)))
    with uow_factory() as uow:
        uow.calendar_feeds.put_known(seeded.connection.id, [moved])
        uow.calendar_feeds.forget_known(seeded.connection.id, ["vrbo-uid", "never-known"])
        uow.commit()
    with uow_factory() as uow:
        assert uow.calendar_feeds.known_events(seeded.connection.id) == [moved, block]
        assert uow.calendar_feeds.known_events(other.connection.id) == [stay]


def test_a_rolled_back_baseline_change_is_not_kept(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        uow.calendar_feeds.add(_feed(seeded))
        uow.commit()
    with uow_factory() as uow:
        uow.calendar_feeds.put_known(seeded.connection.id, [_known("k")])
        uow.rollback()
    with uow_factory() as uow:
        assert uow.calendar_feeds.known_events(seeded.connection.id) == []


@pytest.mark.parametrize("kind", list(ReservationKind))
def test_a_reservation_keeps_its_kind(uow_factory, kind):
    seeded = seed(uow_factory)
    reservation = attrs.evolve(rich_reservation(seeded), kind=kind)
    with uow_factory() as uow:
        uow.reservations.add(reservation)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.reservations.get(reservation.id)
    assert stored.kind is kind
    assert stored == reservation
