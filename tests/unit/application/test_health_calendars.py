"""Channel health of a calendar (iCal) connection (issue 18): its feed's figures, a feed held
back as suspect, and an overbooking on its unit turn it amber with the reason; another unit's
overbooking does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs
import pytest

from channel_manager.domain.health import HealthStatus
from tests.support.feed_world import FeedWorld, feed_world


@pytest.fixture
def world() -> Iterator[FeedWorld]:
    made = feed_world()
    yield made
    made.container.unwire()


def test_a_calendar_with_an_overbooked_unit_and_a_suspect_feed_is_amber(world: FeedWorld):
    airbnb = world.connect("Airbnb - Loft")
    health = world.container.health()
    fresh = health.report(world.organization.id, airbnb.connection.id)

    first = world.first
    world.book(world.booking.id, world.loft, first, 3, "B1")
    world.book(airbnb.connection.id, world.loft, first + timedelta(days=1), 4, "HM1")
    world.book(world.booking.id, world.apartments, first, 1, "B2")  # rooms to spare
    now = world.clock.now()
    with world.container.uow_factory()() as uow:
        feed = uow.calendar_feeds.get(airbnb.connection.id)
        uow.calendar_feeds.update(
            attrs.evolve(
                feed.fetched(now - timedelta(minutes=20)),
                suspect_since=now - timedelta(minutes=20),
                suspect_reason="the feed came back empty",
            )
        )
        uow.commit()
    report = health.report(world.organization.id, airbnb.connection.id)

    assert fresh.facts.feed is not None
    assert fresh.facts.channel_label == "the calendar feed 'Airbnb - Loft'"
    assert report.status is HealthStatus.AMBER
    assert report.facts.last_fetch_at == now - timedelta(minutes=20)
    [overbooked] = report.facts.overbooked
    assert (overbooked.unit_name, overbooked.nights) == ("Loft", 2)
    assert overbooked.first_night == (first + timedelta(days=1)).isoformat()
    texts = {r.code: r.text for r in report.reasons}
    assert texts["feed_suspect"] == (
        "feed suspected empty for 20 min: the feed came back empty (the last good one is kept)"
    )
    assert texts["overbooked"] == f"overbooked: Loft (2 nights from {overbooked.first_night})"
