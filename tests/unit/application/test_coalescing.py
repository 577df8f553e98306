"""Coalescing through the whole application (issue 18): fifty bookings at one hotel, each in
a transaction of its own and none sent yet, queue one availability message per month they
touch instead of one (or more) per booking; delivered, the channel holds what is left to sell
on every night, and the calendar's links follow the message that carried each value."""

from __future__ import annotations

import random
from datetime import date, timedelta

from channel_manager.domain.calendar import DeliveryState
from channel_manager.domain.sync import OutboundKind, OutboundState
from tests.support.builders import HOTEL, ROOM_DOUBLE, booking
from tests.support.outbox import deliver_all
from tests.unit.application.conftest import World

DAYS = 61  # two months (or a day into a third)


def _first_night(world: World) -> date:
    """The first day of the month after next: inside the year the mapping's opening calendar
    sends, so every night of the range was sent once before the bookings (on every hard day
    of the date sweep, 31 December and 29 February included)."""
    today = world.clock.now().date()
    return (today.replace(day=1) + timedelta(days=62)).replace(day=1)


async def test_fifty_bookings_queue_one_availability_message_per_month(world: World) -> None:
    connection = await world.connect()
    await world.map_double(connection)
    first_night = _first_night(world)
    intake = world.container.intake()
    rng = random.Random(18)
    touched = set()
    for n in range(50):
        arrival = first_night + timedelta(days=rng.randrange(DAYS - 3))
        nights = rng.randint(1, 3)
        world.clock.advance(timedelta(seconds=1))
        intake.apply(connection, booking(f"R{n}", arrival=arrival, nights=nights, minute=n))
        touched |= {(arrival + timedelta(days=d)).replace(day=1) for d in range(nights)}

    queued = [
        push
        for push in world.pushes()
        if push.kind is OutboundKind.AVAILABILITY and push.state is OutboundState.PENDING
    ]
    # One a month: every later booking was merged into the month's message, not sent yet.
    assert sorted(push.payload.month for push in queued) == sorted(touched)

    await deliver_all(world.container)
    calendar = world.container.calendar().read(
        world.organization.id,
        world.property.id,
        first_night,
        first_night + timedelta(days=DAYS - 1),
    )
    [double] = [unit for unit in calendar.units if unit.unit_id == world.double.id]
    assert sum(night.rooms_booked for night in double.nights) > 50  # every booking counted
    queued_ids = {push.id for push in queued}
    for night in double.nights:
        sent = world.channel.availability[(HOTEL, ROOM_DOUBLE, night.night)]
        assert sent == night.availability, night.night
        if night.rooms_booked:
            [delivery] = night.channels
            assert delivery.state is DeliveryState.DELIVERED
            assert set(delivery.push_ids) <= queued_ids, night.night
