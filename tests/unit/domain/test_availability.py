"""Availability derived from reservations: occupancy, deltas, never below zero."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from uuid import UUID

import attrs
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.availability import derive_availability, occupancy, occupancy_delta
from channel_manager.domain.reservation import Reservation, ReservationStatus, Revision
from tests.unit.domain.strategies import BASE_TIME, reservation, room_stays, stay

UNIT_A, UNIT_B = UUID(int=10), UUID(int=11)
UNITS = (UNIT_A, UNIT_B)
REV = Revision(BASE_TIME)


def test_each_night_of_each_mapped_stay_takes_one_room() -> None:
    booking = reservation(
        revision=REV,
        stays=(
            stay(UNIT_A, date(2025, 7, 1), 2),
            stay(UNIT_A, date(2025, 7, 2), 1, index=2),
            stay(None, date(2025, 7, 1), 3, index=3),
        ),
    )
    assert occupancy(booking) == Counter(
        {(UNIT_A, date(2025, 7, 1)): 1, (UNIT_A, date(2025, 7, 2)): 2}
    )


def test_cancelled_or_missing_reservations_take_nothing() -> None:
    booking = reservation(revision=REV, stays=(stay(UNIT_A, date(2025, 7, 1), 2),))
    assert occupancy(attrs.evolve(booking, status=ReservationStatus.CANCELLED)) == Counter()
    assert occupancy(None) == Counter()


def test_delta_of_a_modification_frees_old_nights_and_takes_new_ones() -> None:
    before = reservation(revision=REV, stays=(stay(UNIT_A, date(2025, 7, 1), 2),))
    after = attrs.evolve(before, room_stays=(stay(UNIT_A, date(2025, 7, 2), 2),))
    assert occupancy_delta(before, after) == Counter(
        {(UNIT_A, date(2025, 7, 1)): -1, (UNIT_A, date(2025, 7, 3)): 1}
    )


def test_delta_of_a_cancellation_frees_everything() -> None:
    before = reservation(revision=REV, stays=(stay(UNIT_B, date(2025, 7, 1), 2),))
    cancelled = attrs.evolve(before, status=ReservationStatus.CANCELLED)
    assert occupancy_delta(before, cancelled) == Counter(
        {(UNIT_B, date(2025, 7, 1)): -1, (UNIT_B, date(2025, 7, 2)): -1}
    )
    assert occupancy_delta(cancelled, cancelled) == Counter()


@st.composite
def reservations(draw: st.DrawFn) -> Reservation:
    booking = reservation(revision=REV, stays=draw(room_stays(UNITS)))
    if draw(st.booleans()):
        return attrs.evolve(booking, status=ReservationStatus.CANCELLED)
    return booking


@given(st.none() | reservations(), st.none() | reservations(), st.none() | reservations())
def test_deltas_compose_and_sum_to_the_final_occupancy(
    first: Reservation | None, second: Reservation | None, third: Reservation | None
) -> None:
    total = Counter(occupancy_delta(None, first))
    total.update(occupancy_delta(first, second))
    total.update(occupancy_delta(second, third))
    assert +total == occupancy(third)
    assert all(value != 0 for value in occupancy_delta(first, second).values())


@given(st.integers(min_value=0, max_value=20), st.dictionaries(st.dates(), st.integers(0, 40)))
def test_derived_availability_is_never_negative(units: int, booked: dict[date, int]) -> None:
    availability = derive_availability(units, booked)
    assert availability.keys() == booked.keys()
    for day, rooms in availability.items():
        assert rooms == max(0, units - booked[day])


def test_derive_availability_example() -> None:
    day = date(2025, 7, 1)
    assert derive_availability(3, {day: 1, day + timedelta(days=1): 5}) == {
        day: 2,
        day + timedelta(days=1): 0,
    }
