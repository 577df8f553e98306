"""Disconnecting a calendar: a feed URL granted us nothing at the channel, so there is
nothing to revoke there; our side ends (no more fetches), its export link stops working, and
the stays and blocks it still holds are released (nothing could ever change them again).

The disconnect used to look up the channel's authorisation flow for ``feed-url`` and refuse
with "connection mode 'feed-url' is not configured for channel 'ical'".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from channel_manager.application import connect
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.errors import NotFound
from channel_manager.domain.reservation import ReservationStatus
from tests.support.feed_world import feed_world


def test_a_calendar_disconnects_and_its_export_stops() -> None:
    world = feed_world()
    calendar = world.connect()
    token = urlsplit(calendar.export_url).path.removeprefix("/ical/").removesuffix(".ics")
    assert world.feeds.export(token).body

    revoked = asyncio.run(
        world.container.connect().disconnect(world.organization.id, calendar.connection.id)
    )

    assert revoked.status is ConnectionStatus.REVOKED
    assert world.feeds.list(world.organization.id) == []
    with pytest.raises(NotFound):
        world.feeds.export(token)


def test_disconnecting_releases_the_calendars_stays_still_to_come() -> None:
    world = feed_world()
    calendar = world.connect()
    coming = world.book(calendar.connection.id, world.loft, world.first, 3, "HMCOMING")
    ended = world.book(
        calendar.connection.id, world.loft, world.first - timedelta(days=60), 2, "HMENDED"
    )
    booking = world.book(world.booking.id, world.loft, world.first + timedelta(days=5), 1, "B1")

    asyncio.run(world.container.connect().disconnect(world.organization.id, calendar.connection.id))

    with world.container.uow_factory()() as uow:
        after = {
            r.external_id: r for r in (uow.reservations.get(x.id) for x in (coming, ended, booking))
        }
        booked = uow.booked_nights.booked(
            {world.loft.id: [world.first, world.first + timedelta(days=5)]}
        )[world.loft.id]
    assert after["HMCOMING"].status is ReservationStatus.CANCELLED
    assert after["HMENDED"].status is not ReservationStatus.CANCELLED  # past: left as it was
    assert after["B1"].status is not ReservationStatus.CANCELLED  # another channel's
    assert booked == {world.first: 0, world.first + timedelta(days=5): 1}


def test_the_release_reads_the_calendars_reservations_a_page_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A calendar connected for years holds many stays: they are read and released in pages,
    never all at once, and every one still to come is released."""
    world = feed_world()
    calendar = world.connect()
    coming = [
        world.book(calendar.connection.id, world.loft, world.first + timedelta(days=n), 1, f"C{n}")
        for n in range(0, 10, 2)
    ]
    monkeypatch.setattr(connect, "RELEASE_PAGE", 2)
    with world.container.uow_factory()() as uow:
        repository = type(uow.reservations)
    pages: list[tuple[object, int]] = []
    original = repository.list

    def spy(self: object, *args: object, **kwargs: object) -> Sequence[object]:
        found = original(self, *args, **kwargs)  # type: ignore[arg-type]
        pages.append((kwargs.get("limit"), len(found)))
        return found

    monkeypatch.setattr(repository, "list", spy)

    asyncio.run(world.container.connect().disconnect(world.organization.id, calendar.connection.id))

    assert pages == [(2, 2), (2, 2), (2, 1), (2, 0)]
    with world.container.uow_factory()() as uow:
        statuses = {uow.reservations.get(r.id).status for r in coming}
    assert statuses == {ReservationStatus.CANCELLED}
