"""Overbookings across channels: more rooms of a unit booked on a night than it has is an
alert listing the clashing reservations, never a silent overwrite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import uuid4

import attrs
import pytest

from channel_manager.application.overbookings import OverbookingQuery
from channel_manager.domain.errors import InvalidDateRange, NotFound
from channel_manager.domain.mapping import PropertyMapping
from channel_manager.domain.reservation import ReservationStatus
from tests.support.feed_world import FeedWorld, feed_world


@pytest.fixture
def world() -> Iterator[FeedWorld]:
    made = feed_world()
    yield made
    made.container.unwire()


def _query(world: FeedWorld) -> OverbookingQuery:
    return OverbookingQuery(world.container.uow_factory(), world.clock)


def test_two_channels_selling_the_last_room_make_one_alert(world: FeedWorld) -> None:
    airbnb = world.connect("Airbnb - Loft")
    first = world.first
    ours = world.book(world.booking.id, world.loft, first, 3, "B1")
    theirs = world.book(airbnb.connection.id, world.loft, first + timedelta(days=1), 4, "HM1")
    [alert] = _query(world).list(world.organization.id)
    assert (alert.start, alert.end) == (first + timedelta(days=1), first + timedelta(days=3))
    assert (alert.rooms, alert.booked) == (1, 2)
    assert (alert.unit_id, alert.unit_name) == (world.loft.id, "Loft")
    assert (alert.property_id, alert.property_name) == (world.property.id, "Sea View")
    assert [(r.id, r.external_id, r.channel) for r in alert.reservations] == [
        (ours.id, "B1", "booking"),
        (theirs.id, "HM1", "ical"),
    ]
    labels = [r.connection_label for r in alert.reservations]
    assert labels == ["booking: Sea View Hotel", "Airbnb - Loft"]
    assert [r.kind for r in alert.reservations] == ["booking", "booking"]
    assert (alert.reservations[1].arrival, alert.reservations[1].departure) == (
        first + timedelta(days=1),
        first + timedelta(days=5),
    )


def test_a_different_set_of_clashing_reservations_is_another_alert(world: FeedWorld) -> None:
    airbnb = world.connect()
    first = world.first
    world.book(world.booking.id, world.loft, first, 2, "B1")
    world.book(airbnb.connection.id, world.loft, first, 4, "HM1")
    world.book(world.booking.id, world.loft, first + timedelta(days=3), 1, "B2")
    alerts = _query(world).list(world.organization.id)
    assert [(a.start, a.end) for a in alerts] == [
        (first, first + timedelta(days=2)),
        (first + timedelta(days=3), first + timedelta(days=4)),
    ]
    assert [[r.external_id for r in a.reservations] for a in alerts] == [
        ["B1", "HM1"],
        ["HM1", "B2"],
    ]


def test_rooms_to_spare_is_no_alert_and_a_cancellation_clears_it(world: FeedWorld) -> None:
    first = world.first
    world.book(world.booking.id, world.apartments, first, 2, "B1")
    world.book(world.booking.id, world.apartments, first, 2, "B2")
    assert _query(world).list(world.organization.id) == []
    third = world.book(world.booking.id, world.apartments, first, 1, "B3")
    [alert] = _query(world).list(world.organization.id, unit_id=world.apartments.id)
    assert (alert.rooms, alert.booked, len(alert.reservations)) == (2, 3, 3)
    with world.container.uow_factory()() as uow:
        uow.reservations.update(attrs.evolve(third, status=ReservationStatus.CANCELLED))
        uow.booked_nights.add({(world.apartments.id, first): -1})
        uow.commit()
    assert _query(world).list(world.organization.id) == []


def test_filters_and_scoping(world: FeedWorld) -> None:
    first = world.first
    airbnb = world.connect()
    world.book(world.booking.id, world.loft, first, 1, "B1")
    world.book(airbnb.connection.id, world.loft, first, 1, "HM1")
    query = _query(world)
    assert len(query.list(world.organization.id, unit_id=world.loft.id)) == 1
    assert query.list(world.organization.id, unit_id=world.apartments.id) == []
    assert query.list(world.organization.id, start=first + timedelta(days=1)) == []
    other = world.container.inventory().ensure_organization("Someone Else")
    assert query.list(other.id) == []
    with pytest.raises(NotFound):
        query.list(other.id, unit_id=world.loft.id)


def test_a_booking_is_labelled_by_its_own_hotel_when_the_connection_holds_several(
    world: FeedWorld,
) -> None:
    other = world.container.inventory().create_property(world.organization.id, "Annex", "EUR")
    with world.container.uow_factory()() as uow:
        uow.property_mappings.add(  # listed first: its code sorts before 1000001
            PropertyMapping(
                id=uuid4(),
                connection_id=world.booking.id,
                internal_property_id=other.id,
                external_property_id="0999999",
                external_property_name="Annex Hotel",
                created_at=world.clock.now(),
            )
        )
        uow.commit()
    airbnb = world.connect("Airbnb - Loft")
    world.book(world.booking.id, world.loft, world.first, 2, "B1")
    world.book(airbnb.connection.id, world.loft, world.first, 2, "HM1")

    [alert] = _query(world).list(world.organization.id)

    assert [r.connection_label for r in alert.reservations] == [
        "booking: Sea View Hotel",
        "Airbnb - Loft",
    ]


def test_a_start_too_far_ahead_is_refused(world: FeedWorld) -> None:
    with pytest.raises(InvalidDateRange, match="too far ahead"):
        _query(world).list(world.organization.id, start=date(9999, 12, 31))
