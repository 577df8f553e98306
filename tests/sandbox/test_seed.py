"""Seeded state is deterministic and looks like Booking.com data."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import attrs

from booking_sandbox.clock import SandboxClock
from booking_sandbox.state import SandboxState

#: Stands for every booking time in a fingerprint: seeding takes them from the clock.
ANY_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def fingerprint(state: SandboxState) -> list[object]:
    reservations = [
        attrs.evolve(r, booked_at=ANY_TIME, modified_at=None) for r in state.reservations.values()
    ]
    return [list(state.hotels.values()), sorted(state.availability.items()), reservations]


def test_same_seed_same_world() -> None:
    clock = SandboxClock()

    assert fingerprint(SandboxState.seeded(3, clock=clock)) == fingerprint(
        SandboxState.seeded(3, clock=clock)
    )


def test_different_seed_different_world() -> None:
    assert fingerprint(SandboxState.seeded(3)) != fingerprint(SandboxState.seeded(4))


def test_seeded_hotels_have_booking_like_shapes() -> None:
    state = SandboxState.seeded(1)

    assert list(state.hotels) == ["1000001", "1000002", "1000003", "1000004"]
    assert len({h.currency for h in state.hotels.values()}) == 4
    for hotel in state.hotels.values():
        assert 3 <= len(hotel.rooms) <= 20
        assert 1 <= len(hotel.rate_plans) <= 4
        assert all(room.rate_plan_ids for room in hotel.rooms)


def test_guests_have_international_non_ascii_names() -> None:
    state = SandboxState.seeded(1)
    for _ in range(30):
        state.generate("new")

    names = [
        f"{s.guest.given_name} {s.guest.surname}"
        for r in state.reservations.values()
        for s in r.stays
    ]
    assert any(not name.isascii() for name in names)
    assert len({r.booker.country_code for r in state.reservations.values()}) >= 4
    assert any(r.stays[0].nights[1:] for r in state.reservations.values())  # multi-night


def test_module_entry_point_parses_its_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "booking_sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    for option in ("--host", "--port", "--seed"):
        assert option in result.stdout
