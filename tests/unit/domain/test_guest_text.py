"""mask_guest_text: every free-text field of a reservation masked, identifiers left alone."""

from __future__ import annotations

import attrs

from channel_manager.domain.guest_text import mask_guest_text
from channel_manager.domain.reservation import Service
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


def test_services_promotion_codes_and_arrival_time_are_masked_too() -> None:
    """The fields issue 13 added are free text a sender copies from what the guest typed."""
    reservation = booking("R1").reservation
    typed = attrs.evolve(
        reservation,
        services=(Service(code="PARK", name=f"parking, pay with {CARD}"),),
        promotion_codes=(f"CODE {CARD}",),
        arrival_time=f"call {CARD}",
    )

    masked = mask_guest_text(typed)

    assert masked.services[0].name == "parking, pay with ***1111"
    assert masked.services[0].code == "PARK"
    assert masked.promotion_codes == ("CODE ***1111",)
    assert masked.arrival_time == "call ***1111"


def test_cards_typed_glued_full_width_or_widely_spaced_are_stored_masked() -> None:
    """The forms a security review found stored whole: a brand glued to the number, letters
    glued to its end, full-width digits (Japanese keyboards), tabs between the groups."""
    reservation = booking("R1").reservation
    typed = attrs.evolve(
        reservation,
        remarks=("Visa4111111111111111", "5555555555554444exp 08/28"),
        special_requests=(
            "\uff14\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11\u3000"
            "\uff11\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11",
            "4111\t\t\t\t1111\t\t\t\t1111\t\t\t\t1111",
        ),
    )

    masked = mask_guest_text(typed)

    assert masked.remarks == ("Visa***1111", "***4444exp 08/28")
    assert masked.special_requests == ("***1111", "***1111")
