"""Decoded OTA reservations -> domain ``ChannelReservation``s.

Channel ids are kept verbatim; our ids (unit, rate plan, property) are filled in later by the
application's mappings. The domain id of a reservation is derived from the connection and the
channel's reservation number, so every repeat of a message names the same reservation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from channel_manager.adapters.booking.ota.reservations import (
    Customer,
    OtaReservation,
    OtaRoomStay,
    ResNotifRQ,
    ResStatus,
    Total,
)
from channel_manager.adapters.system import utc_now
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.errors import CardDataRejected, CurrencyMismatch
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import (
    Address,
    Guest,
    NightlyPrice,
    PaymentSummary,
    Reservation,
    ReservationStatus,
    Revision,
    RoomStay,
    Totals,
)

_RESERVATION_NAMESPACE = uuid.UUID("5f1d7c1e-8f0e-4a53-9a0c-6f7cf1f0b00c")
#: ISO 4217's "no currency", for the rare message that names none anywhere.
_NO_CURRENCY = "XXX"

_KIND = {
    ResStatus.COMMIT: ReservationMessageKind.NEW,
    ResStatus.MODIFY: ReservationMessageKind.MODIFY,
    ResStatus.CANCEL: ReservationMessageKind.CANCEL,
}
#: ``Revision.sequence`` per message kind. Booking.com stamps to the second and push senders may
#: repeat the booking's ``CreateDateTime`` on a modification, so a Modify or Cancel can carry the
#: very timestamp of the Commit it changes; the ledger would take it for a duplicate and lose the
#: change. Within one timestamp a Cancel is newer than a Modify, which is newer than a Commit.
_SEQUENCE = {ResStatus.COMMIT: 0, ResStatus.MODIFY: 1, ResStatus.CANCEL: 2}
_STATUS = {
    ResStatus.COMMIT: ReservationStatus.CONFIRMED,
    ResStatus.MODIFY: ReservationStatus.MODIFIED,
    ResStatus.CANCEL: ReservationStatus.CANCELLED,
}


def reservation_uuid(connection_id: uuid.UUID, external_id: str) -> uuid.UUID:
    """The stable domain id of a channel reservation within one connection."""
    return uuid.uuid5(_RESERVATION_NAMESPACE, f"{connection_id}:{external_id}")


def _money(value: Decimal | None, currency: str) -> Money | None:
    return None if value is None else Money(value, currency)


def _guest(customer: Customer | None) -> Guest | None:
    if customer is None:
        return None
    address = customer.address
    return Guest(
        given_name=customer.name.given_name or "",
        surname=customer.name.surname or "",
        email=customer.email,
        phone=customer.phone,
        address=None
        if address is None
        else Address(
            lines=address.lines,
            city=address.city,
            postal_code=address.postal_code,
            country_code=address.country_code,
        ),
        country=address.country_code if address else None,
        language=customer.language,
    )


def _nightly_prices(stay: OtaRoomStay, currency: str) -> tuple[NightlyPrice, ...]:
    """One ``NightlyPrice`` per priced night.

    Nights that share one decoded ``Total`` (the decoder shares equal leaf Totals) share one
    ``Money``: building and validating it per night was the mapping's largest cost. Keyed by
    identity, not equality: ``Decimal("1.0") == Decimal("1.00")``, but the amounts differ.
    """
    money: dict[int, Money] = {}
    prices: list[NightlyPrice] = []
    for rate in stay.nightly_rates:
        amount = rate.price.amount
        if amount is None:
            continue
        price = money.get(id(rate.price))
        if price is None:
            price = money[id(rate.price)] = Money(amount, currency)
        prices.append(
            NightlyPrice(night=rate.night, amount=price, rate_plan_code=rate.rate_plan_code)
        )
    return tuple(prices)


def _room_stay(position: int, stay: OtaRoomStay, currency: str) -> RoomStay:
    index_text = stay.index_number or ""
    index = int(index_text) if index_text.isdigit() else position
    total = stay.total.amount if stay.total else None
    return RoomStay(
        index=index,
        external_room_type_id=stay.room_type_code or "",
        external_room_type_name=stay.room_name,
        external_rate_plan_id=stay.rate_plan_code,
        arrival=stay.arrival,
        departure=stay.departure,
        guest_count=stay.guest_total or 1,
        nightly_prices=_nightly_prices(stay, currency),
        total=_money(total, currency),
        commission=_money(stay.commission.value if stay.commission else None, currency),
        meal_plan=stay.meal_plan,
        remarks=stay.comments + tuple(r.text for r in stay.special_requests),
    )


def _totals(total: Total | None, commission: Decimal | None, currency: str) -> Totals:
    return Totals(
        amount_before_tax=_money(total.before_tax if total else None, currency),
        amount_after_tax=_money(total.after_tax if total else None, currency),
        taxes=_money(total.taxes if total else None, currency),
        commission=_money(commission, currency),
    )


def _payment(ota: OtaReservation) -> PaymentSummary | None:
    card = ota.payment_card
    if card is None:
        return None
    try:
        return PaymentSummary(
            card_type=card.card_code,
            last_four=card.last_four,
            expiry=card.expire_date,
            holder_name=card.holder_name,
        )
    except CardDataRejected:
        # A malformed card summary is dropped, never stored half-checked.
        return PaymentSummary(card_type=card.card_code)


def to_channel_reservation(
    ota: OtaReservation,
    message: ResNotifRQ,
    ack_key: str,
    *,
    connection_id: uuid.UUID,
    now: Callable[[], datetime] = utc_now,
    raw_message_id: uuid.UUID | None = None,
) -> ChannelReservation:
    """One fetched reservation as the domain sees it (``raw_message_id``: the message-log
    entry of the message it came in)."""
    external_id = ota.reservation_id or ""
    if len(ota.currencies) > 1:
        # One booking is priced in the property's one currency; anything else is corrupt, and
        # relabelling amounts would silently change what the guest pays.
        raise CurrencyMismatch(*ota.currencies[:2])
    currency = ota.currency or _NO_CURRENCY
    stays = tuple(_room_stay(n, stay, currency) for n, stay in enumerate(ota.room_stays, start=1))
    hotel = ota.hotel_code or next((s.hotel_code for s in ota.room_stays if s.hotel_code), "")
    stamp = ota.last_modify_datetime or ota.create_datetime or message.timestamp or now()
    if stays:
        arrival = min(stay.arrival for stay in stays)
        departure = max(stay.departure for stay in stays)
    else:
        # A cancellation may carry no rooms; keep the booking date as a placeholder stay.
        arrival = (ota.booked_at or stamp).date()
        departure = arrival + timedelta(days=1)
    reservation = Reservation(
        id=reservation_uuid(connection_id, external_id),
        connection_id=connection_id,
        external_id=external_id,
        external_property_id=hotel,
        status=_STATUS[ota.status],
        revision=Revision(stamp, _SEQUENCE[ota.status]),
        booked_at=ota.booked_at,
        arrival=arrival,
        departure=departure,
        room_stays=stays,
        booker=_guest(ota.booker),
        guests=tuple(g for p in ota.guests if (g := _guest(p.customer)) is not None),
        totals=_totals(
            ota.total, ota.total_commission.value if ota.total_commission else None, currency
        ),
        currency=currency,
        remarks=ota.comments,
        special_requests=tuple(r.text for r in ota.special_requests),
        payment=_payment(ota),
        raw_message_id=raw_message_id,
    )
    return ChannelReservation(_KIND[ota.status], reservation, ack_key)
