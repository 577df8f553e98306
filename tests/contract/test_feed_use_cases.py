"""The calendar feed use cases on every backend: connecting a calendar (one transaction of
connection, secret, claim, mapping and calendar), its export with another channel's booking
and without its own, rotating the export URL, and the overbooking it shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from channel_manager.application.credentials import credential_ref
from channel_manager.domain.errors import NotFound
from channel_manager.domain.feed import feed_hotel_code
from channel_manager.ports.repositories import UnitOfWork
from tests.support.feed_world import FEED_CHANNEL, PUBLIC_URL, feed_world, parse_ranges


def _token(export_url: str) -> str:
    return export_url.removeprefix(PUBLIC_URL + "/ical/").removesuffix(".ics")


def test_a_calendar_connected_exported_rotated_and_overbooked(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    world = feed_world(uow_factory)
    made = world.connect("Airbnb - Loft")
    with uow_factory() as uow:
        assert uow.calendar_feeds.get(made.connection.id).name == "Airbnb - Loft"
        claim = uow.hotel_claims.find(FEED_CHANNEL, feed_hotel_code(made.connection.id))
        assert claim is not None
        assert b"airbnb" not in uow.secrets.get(credential_ref(made.connection.id))
    first = world.first
    world.book(world.booking.id, world.loft, first, 3, "B1")
    world.book(made.connection.id, world.loft, first + timedelta(days=2), 3, "HM1")
    exported = world.feeds.export(_token(made.export_url))
    assert [(s, e) for _, s, e, _ in parse_ranges(exported.body)] == [
        (first, first + timedelta(days=3))
    ]
    rotated = world.feeds.rotate_export(world.organization.id, made.connection.id)
    with pytest.raises(NotFound):
        world.feeds.export(_token(made.export_url))
    assert world.feeds.export(_token(rotated.export_url)).etag == exported.etag
    [alert] = world.container.overbookings().list(world.organization.id)
    assert (alert.start, alert.end, alert.booked) == (
        first + timedelta(days=2),
        first + timedelta(days=3),
        2,
    )
    assert [r.external_id for r in alert.reservations] == ["B1", "HM1"]
    assert [f.connection.id for f in world.feeds.list(world.organization.id)] == [
        made.connection.id
    ]
    world.container.unwire()
