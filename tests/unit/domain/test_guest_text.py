"""mask_guest_text: every free-text field of a reservation masked, identifiers left alone."""

from __future__ import annotations

import attrs

from channel_manager.domain.guest_text import mask_guest_text
from tests.support.builders import booking

CARD = "4111-1111-1111-1111"


def test_nothing_to_mask_returns_the_same_object() -> None:
    reservation = booking("R1").reservation
    assert mask_guest_text(reservation) is reservation


def test_free_text_is_masked_and_identifiers_are_not() -> None:
    reservation = booking("R1").reservation
    stay = attrs.evolve(
        reservation.room_stays[0],
        external_room_type_name=f"Double {CARD}",
        meal_plan=f"breakfast {CARD}",
    )
    typed = attrs.evolve(
        reservation,
        external_id="4111111111111111",  # an id that happens to pass Luhn stays an id
        remarks=(CARD,),
        room_stays=(stay,),
    )

    masked = mask_guest_text(typed)

    assert masked.external_id == "4111111111111111"
    assert masked.remarks == ("***1111",)
    assert masked.room_stays[0].external_room_type_name == "Double ***1111"
    assert masked.room_stays[0].meal_plan == "breakfast ***1111"
    assert masked.room_stays[0].external_room_type_id == stay.external_room_type_id
    assert masked.booker is typed.booker
