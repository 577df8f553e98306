"""Contract: our calendar, rooms booked per night and the links from calendar values to
pushes, on every backend."""

from __future__ import annotations

import threading
from datetime import timedelta
from uuid import uuid4

import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.ari import DayValues
from channel_manager.domain.calendar import (
    CalendarField,
    CalendarNight,
    CalendarPushLink,
)
from channel_manager.domain.money import Money
from channel_manager.domain.sync import OutboundState
from tests.support.clock import session_offset

from .repository_builders import DAY0, availability_message, new_rate_plan, new_unit, seed

NIGHTS = [DAY0 + timedelta(days=n) for n in range(5)]


def test_merge_sets_only_the_fields_given_and_window_reads_both_levels(uow_factory):
    seeded = seed(uow_factory)
    unit, plan = seeded.unit.id, seeded.rate_plan.id
    with uow_factory() as uow:
        uow.calendar.merge(
            [CalendarNight(unit, None, night, DayValues(availability=2)) for night in NIGHTS[:3]]
            + [
                CalendarNight(unit, plan, NIGHTS[1], DayValues(rate=Money.of("120.50", "EUR"))),
                CalendarNight(unit, plan, NIGHTS[2], DayValues(min_los=2)),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        # Other fields of the same nights: what was set stays set.
        uow.calendar.merge(
            [
                CalendarNight(unit, None, NIGHTS[1], DayValues(stop_sell=True)),
                CalendarNight(unit, plan, NIGHTS[1], DayValues(closed_to_arrival=False)),
                CalendarNight(unit, plan, NIGHTS[2], DayValues(min_los=3, max_los=7)),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        window = uow.calendar.window([unit, uuid4()], NIGHTS[1], NIGHTS[4])
    assert window == [
        CalendarNight(unit, None, NIGHTS[1], DayValues(availability=2, stop_sell=True)),
        CalendarNight(unit, None, NIGHTS[2], DayValues(availability=2)),
        CalendarNight(
            unit,
            plan,
            NIGHTS[1],
            DayValues(rate=Money.of("120.50", "EUR"), closed_to_arrival=False),
        ),
        CalendarNight(unit, plan, NIGHTS[2], DayValues(min_los=3, max_los=7)),
    ]
    assert window[2].values.rate is not None
    assert str(window[2].values.rate.amount) == "120.50"  # exact, at the currency's decimals


def test_rooms_to_sell_reads_only_the_unit_level_nights_that_set_them(uow_factory):
    seeded = seed(uow_factory)
    unit, plan = seeded.unit.id, seeded.rate_plan.id
    with uow_factory() as uow:
        uow.calendar.merge(
            [
                CalendarNight(unit, None, NIGHTS[0], DayValues(availability=0)),
                CalendarNight(unit, None, NIGHTS[1], DayValues(stop_sell=True)),
                CalendarNight(unit, plan, NIGHTS[2], DayValues(min_los=2)),
                CalendarNight(unit, None, NIGHTS[3], DayValues(availability=7)),
            ]
        )
        uow.commit()
    stranger = uuid4()
    with uow_factory() as uow:
        found = uow.calendar.rooms_to_sell({unit: NIGHTS[:3], stranger: NIGHTS})
        assert uow.calendar.rooms_to_sell({}) == {}
    assert found == {unit: {NIGHTS[0]: 0}, stranger: {}}


def test_booked_nights_add_up_and_read_with_zeros(uow_factory):
    seeded = seed(uow_factory)
    unit = seeded.unit.id
    with uow_factory() as uow:
        uow.booked_nights.add({(unit, NIGHTS[0]): 2, (unit, NIGHTS[1]): 1})
        uow.booked_nights.add({})
        uow.commit()
    with uow_factory() as uow:
        uow.booked_nights.add({(unit, NIGHTS[0]): -1, (unit, NIGHTS[2]): 3})
        uow.commit()
    with uow_factory() as uow:
        uow.booked_nights.add({(unit, NIGHTS[1]): 5})
        uow.rollback()  # nothing of a rolled back unit of work stays
    stranger = uuid4()
    with uow_factory() as uow:
        booked = uow.booked_nights.booked({unit: NIGHTS, stranger: NIGHTS[:1]})
        window = uow.booked_nights.window([unit, stranger], NIGHTS[1], NIGHTS[4])
        assert uow.booked_nights.booked({}) == {}
        assert uow.booked_nights.booked({unit: []}) == {unit: {}}
    assert booked == {
        unit: dict(zip(NIGHTS, (1, 1, 3, 0, 0), strict=True)),
        stranger: {NIGHTS[0]: 0},
    }
    assert window == {unit: {NIGHTS[1]: 1, NIGHTS[2]: 3}, stranger: {}}


def test_booked_nights_read_many_nights_of_many_units(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        others = [new_unit(seeded.property.id, f"u{n}") for n in range(3)]
        for unit in others:
            uow.units.add(unit)
        uow.commit()
    units = [seeded.unit.id, *(u.id for u in others)]
    nights = [DAY0 + timedelta(days=n) for n in range(0, 1000, 3)]  # more than one IN list
    with uow_factory() as uow:
        uow.booked_nights.add({(u, night): 1 + i for i, u in enumerate(units) for night in nights})
        uow.commit()
    with uow_factory() as uow:
        booked = uow.booked_nights.booked(dict.fromkeys(units, nights))
    assert booked == {u: dict.fromkeys(nights, 1 + i) for i, u in enumerate(units)}


def test_booked_nights_read_nights_years_apart(uow_factory):
    """A batch whose stays lie years apart: the asked nights are read, not every night
    between them (on SQLite), and the counts are the same either way."""
    seeded = seed(uow_factory)
    unit = seeded.unit.id
    stored = [DAY0 + timedelta(days=n) for n in range(0, 36_500, 7)]  # a century, weekly
    with uow_factory() as uow:
        uow.booked_nights.add({(unit, night): 2 for night in stored})
        uow.commit()
    asked = [DAY0 + timedelta(days=n) for n in range(0, 36_500, 40)]  # sparse, > one IN list
    with uow_factory() as uow:
        booked = uow.booked_nights.booked({unit: asked})
    assert booked == {unit: {night: 2 if night in set(stored) else 0 for night in asked}}


def test_push_links_replace_older_ones_and_carry_the_push_state(uow_factory):
    seeded = seed(uow_factory)
    unit, plan, connection = seeded.unit.id, seeded.rate_plan.id, seeded.connection.id
    older, newer = availability_message(connection), availability_message(connection)
    with uow_factory() as uow:
        uow.outbound.add(older)
        uow.outbound.add(newer)
        uow.calendar_pushes.link(
            [
                CalendarPushLink(
                    connection, unit, None, NIGHTS[0], CalendarField.AVAILABILITY, older.id
                ),
                CalendarPushLink(connection, unit, plan, NIGHTS[0], CalendarField.RATE, older.id),
                CalendarPushLink(connection, unit, plan, NIGHTS[4], CalendarField.RATE, older.id),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        uow.calendar_pushes.link(
            [
                CalendarPushLink(
                    connection, unit, None, NIGHTS[0], CalendarField.AVAILABILITY, newer.id
                )
            ]
        )
        uow.calendar_pushes.link([])
        # Two links for one key in one call (a unit mapped to two room types): the later wins.
        uow.calendar_pushes.link(
            [
                CalendarPushLink(connection, unit, plan, NIGHTS[3], CalendarField.RATE, older.id),
                CalendarPushLink(connection, unit, plan, NIGHTS[3], CalendarField.RATE, newer.id),
            ]
        )
        uow.outbound.update(older.fail_permanently("refused"))
        uow.commit()
    with uow_factory() as uow:
        found = uow.calendar_pushes.window([unit], NIGHTS[0], NIGHTS[3])
        assert uow.calendar_pushes.window([uuid4()], NIGHTS[0], NIGHTS[4]) == []
    states = {
        (s.link.rate_plan_id, s.link.night, s.link.field): (s.link.push_id, s.state) for s in found
    }
    assert states == {
        (None, NIGHTS[0], CalendarField.AVAILABILITY): (newer.id, OutboundState.PENDING),
        (plan, NIGHTS[0], CalendarField.RATE): (older.id, OutboundState.FAILED),
        (plan, NIGHTS[3], CalendarField.RATE): (newer.id, OutboundState.PENDING),
    }


def test_a_second_rate_plan_of_the_unit_is_its_own_row(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        second = new_rate_plan(seeded.property.id, "NRF")
        uow.rate_plans.add(second)
        uow.calendar.merge(
            [
                CalendarNight(seeded.unit.id, seeded.rate_plan.id, NIGHTS[0], DayValues(min_los=2)),
                CalendarNight(seeded.unit.id, second.id, NIGHTS[0], DayValues(min_los=5)),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        window = uow.calendar.window([seeded.unit.id], NIGHTS[0], NIGHTS[0])
    assert {(n.rate_plan_id, n.values.min_los) for n in window} == {
        (seeded.rate_plan.id, 2),
        (second.id, 5),
    }


@pytest.mark.postgres
def test_concurrent_bookings_of_one_night_both_count(postgres_engine):
    """Two transactions adding to the same night: the second waits for the first's row and
    adds to its committed count (a read-then-write would lose one)."""
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory)
    key = (seeded.unit.id, NIGHTS[0])
    first_added = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            first_added.wait(5)
            with factory() as uow:
                uow.booked_nights.add({key: 1})  # blocks until the first commits
                uow.commit()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    with factory() as uow:
        uow.booked_nights.add({key: 1})
        first_added.set()
        thread.join(0.3)  # the second is now waiting on the row
        uow.commit()
    thread.join(10)
    assert errors == []
    with factory() as uow:
        assert uow.booked_nights.booked({key[0]: [key[1]]}) == {key[0]: {key[1]: 2}}
