"""Card numbers a guest typed into free text are masked before the reservation is stored,
whether it came alone (a push) or in a polled batch (issue 12 §4)."""

from __future__ import annotations

import attrs

from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.reservation import Address, Guest
from tests.support.builders import booking
from tests.unit.application.conftest import World

CARD = "4111 1111 1111 1111"
OTHER_CARD = "5555.5555.5555.4444"


def _with_cards(external_id: str) -> ChannelReservation:
    message = booking(external_id)
    reservation = message.reservation
    stay = attrs.evolve(
        reservation.room_stays[0],
        remarks=(f"card {CARD} cvc 123",),
        guest_names=(f"Jo {OTHER_CARD}",),
    )
    guest = Guest(
        given_name="Ann",
        surname=f"Lee {CARD}",
        phone="+31 20 555 0199",
        address=Address(lines=(f"charge\u00a0{OTHER_CARD}",), city="Delft"),
    )
    reservation = attrs.evolve(
        reservation,
        remarks=(
            f"please charge {OTHER_CARD} exp 12/27 cvv 987",
            "late arrival, booking 4705950059",
        ),
        special_requests=(f"card:{CARD}",),
        room_stays=(stay,),
        guests=(guest,),
    )
    return attrs.evolve(message, reservation=reservation)


async def test_a_card_typed_into_any_free_text_is_masked_before_storage(world: World) -> None:
    connection = await world.connect()
    intake = world.container.intake()

    intake.apply(connection, _with_cards("ALONE"))
    intake.apply_batch(connection, [_with_cards("BATCH1"), _with_cards("BATCH2")])

    stored = world.container.queries().reservations(world.organization.id)
    assert sorted(r.external_id for r in stored) == ["ALONE", "BATCH1", "BATCH2"]
    text = repr(stored)
    for secret in (CARD, OTHER_CARD, "4111111111111111", "cvc 123", "cvv 987"):
        assert secret not in text
    for reservation in stored:
        assert reservation.remarks == (
            "please charge ***4444 exp 12/27 cvv ***",
            "late arrival, booking 4705950059",  # an id is not a card
        )
        assert reservation.special_requests == ("card:***1111",)
        assert reservation.room_stays[0].remarks == ("card ***1111 cvc ***",)
        assert reservation.room_stays[0].guest_names == ("Jo ***4444",)
        assert reservation.guests[0].surname == "Lee ***1111"
        assert reservation.guests[0].phone == "+31 20 555 0199"
        address = reservation.guests[0].address
        assert address is not None
        assert address.lines == ("charge\u00a0***4444",)
        assert reservation.booker is not None
        assert reservation.booker.given_name == "Zoë"  # untouched text stays as it was
