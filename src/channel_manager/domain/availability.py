"""Availability derived from reservations: what each booking occupies, and what is left.

Each night of each mapped, non-cancelled room stay occupies one room of its unit. The change
between two versions of a reservation is what must be pushed to every channel; that push is
what stops overbooking across channels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from uuid import UUID

from channel_manager.domain.reservation import Reservation

#: (unit id, night) -> rooms.
Occupancy = Counter[tuple[UUID, date]]


def occupancy(reservation: Reservation | None) -> Occupancy:
    """Rooms the reservation occupies per (unit, night); empty if cancelled or ``None``.

    Unmapped room stays occupy nothing we can count (they are flagged elsewhere).
    """
    result: Occupancy = Counter()
    if reservation is None or reservation.is_cancelled:
        return result
    for stay in reservation.room_stays:
        if stay.unit_id is None:
            continue
        for night in stay.nights:
            result[(stay.unit_id, night)] += 1
    return result


def occupancy_delta(before: Reservation | None, after: Reservation | None) -> Occupancy:
    """``occupancy(after) - occupancy(before)`` keeping negative counts (rooms freed).

    Entries whose change is zero are left out, so an empty result means nothing to push.
    """
    delta: Occupancy = Counter(occupancy(after))
    delta.subtract(occupancy(before))
    return Counter({key: change for key, change in delta.items() if change != 0})


def derive_availability(unit_count: int, booked_by_date: Mapping[date, int]) -> dict[date, int]:
    """Sellable rooms per date: ``unit_count`` minus bookings, never below 0."""
    return {day: max(0, unit_count - booked) for day, booked in booked_by_date.items()}
