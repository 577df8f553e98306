"""The sandbox's commissions add up: each room's share is exact in the currency's minor units and
the reservation's total commission is their sum, as Booking.com's own messages are."""

from __future__ import annotations

from decimal import Decimal

from booking_sandbox.model import CURRENCY_DECIMALS
from booking_sandbox.state import SandboxState


def test_room_commissions_are_exact_and_add_up_to_the_total() -> None:
    state = SandboxState.seeded(3, reservations_per_hotel=12)
    assert state.reservations
    for reservation in state.reservations.values():
        quantum = Decimal(1).scaleb(-CURRENCY_DECIMALS[reservation.currency])
        shares = [reservation.stay_commission(stay) for stay in reservation.stays]
        assert all(share == share.quantize(quantum) for share in shares)
        assert sum(shares, Decimal(0)) == reservation.commission
