"""What a guest typed is stored with card numbers masked: remarks, special requests, names,
addresses. Identifiers, amounts, dates, e-mail and phone are left alone (a booking id must stay
exactly what the channel sent).
"""

from __future__ import annotations

import attrs

from channel_manager.domain.redaction import mask_card_numbers
from channel_manager.domain.reservation import Address, Guest, Reservation, RoomStay, Service


def _texts(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(mask_card_numbers(value) for value in values)


def _text(value: str | None) -> str | None:
    return None if value is None else mask_card_numbers(value)


def _address(address: Address | None) -> Address | None:
    if address is None:
        return None
    return attrs.evolve(address, lines=_texts(address.lines), city=_text(address.city))


def _guest(guest: Guest) -> Guest:
    masked = attrs.evolve(
        guest,
        given_name=mask_card_numbers(guest.given_name),
        surname=mask_card_numbers(guest.surname),
        address=_address(guest.address),
    )
    return guest if masked == guest else masked


def _stay(stay: RoomStay) -> RoomStay:
    masked = attrs.evolve(
        stay,
        remarks=_texts(stay.remarks),
        guest_names=_texts(stay.guest_names),
        external_room_type_name=_text(stay.external_room_type_name),
        meal_plan=_text(stay.meal_plan),
    )
    return stay if masked == stay else masked


def _service(service: Service) -> Service:
    masked = attrs.evolve(service, name=_text(service.name))
    return service if masked == service else masked


def mask_guest_text(reservation: Reservation) -> Reservation:
    """``reservation`` with card numbers (and the security codes beside them) masked in every
    free-text field; the same object when there was nothing to mask."""
    masked = attrs.evolve(
        reservation,
        remarks=_texts(reservation.remarks),
        special_requests=_texts(reservation.special_requests),
        room_stays=tuple(_stay(stay) for stay in reservation.room_stays),
        booker=None if reservation.booker is None else _guest(reservation.booker),
        guests=tuple(_guest(guest) for guest in reservation.guests),
        services=tuple(_service(service) for service in reservation.services),
        promotion_codes=_texts(reservation.promotion_codes),
        arrival_time=_text(reservation.arrival_time),
    )
    return reservation if masked == reservation else masked
