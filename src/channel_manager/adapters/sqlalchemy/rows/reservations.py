"""Row translation for a reservation and its child rows (stays, nightly prices, guests).

A reservation is written as one header row plus child rows keyed by the reservation id and a
position, so reading them back in position order restores the tuples exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.money import Money, minor_units
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

BOOKER = "booker"
GUEST = "guest"


@attrs.frozen
class ReservationRows:
    """Everything one reservation is stored as."""

    header: Row
    room_stays: list[Row]
    nightly_prices: list[Row]
    guests: list[Row]


def _money_to_columns(prefix: str, money: Money | None) -> Row:
    if money is None:
        return {f"{prefix}_amount": None, f"{prefix}_currency": None}
    return {f"{prefix}_amount": money.amount, f"{prefix}_currency": money.currency}


def stored_money(amount: Decimal, currency: str) -> Money:
    """An amount as read back: PostgreSQL's NUMERIC(18, 4) pads to four places, so give it
    back at the currency's minor units whenever that is exact (as SQLite returns it).
    """
    quantized = amount.quantize(Decimal(1).scaleb(-minor_units(currency)))
    return Money(quantized if quantized == amount else amount, currency)


def _money_from_columns(row: sa.RowMapping, prefix: str) -> Money | None:
    amount: Decimal | None = row[f"{prefix}_amount"]
    if amount is None:
        return None
    return stored_money(amount, row[f"{prefix}_currency"])


def _guest_to_row(reservation_id: object, role: str, position: int, guest: Guest) -> Row:
    address = guest.address
    return {
        "reservation_id": reservation_id,
        "role": role,
        "position": position,
        "given_name": guest.given_name,
        "surname": guest.surname,
        "email": guest.email,
        "phone": guest.phone,
        "country": guest.country,
        "language": guest.language,
        "has_address": address is not None,
        "address_lines": list(address.lines) if address else [],
        "address_city": address.city if address else None,
        "address_postal_code": address.postal_code if address else None,
        "address_state": address.state if address else None,
        "address_country_code": address.country_code if address else None,
    }


def _guest_from_row(row: sa.RowMapping) -> Guest:
    address = None
    if row["has_address"]:
        address = Address(
            lines=tuple(row["address_lines"]),
            city=row["address_city"],
            postal_code=row["address_postal_code"],
            state=row["address_state"],
            country_code=row["address_country_code"],
        )
    return Guest(
        given_name=row["given_name"],
        surname=row["surname"],
        email=row["email"],
        phone=row["phone"],
        address=address,
        country=row["country"],
        language=row["language"],
    )


def _stay_to_rows(
    reservation_id: object, stay_position: int, stay: RoomStay
) -> tuple[Row, list[Row]]:
    stay_row = {
        "reservation_id": reservation_id,
        "position": stay_position,
        "stay_index": stay.index,
        "external_room_type_id": stay.external_room_type_id,
        "external_room_type_name": stay.external_room_type_name,
        "external_rate_plan_id": stay.external_rate_plan_id,
        "unit_id": stay.unit_id,
        "rate_plan_id": stay.rate_plan_id,
        "arrival": stay.arrival,
        "departure": stay.departure,
        "guest_count": stay.guest_count,
        "guest_names": list(stay.guest_names),
        **_money_to_columns("total", stay.total),
        **_money_to_columns("commission", stay.commission),
        "meal_plan": stay.meal_plan,
        "remarks": list(stay.remarks),
    }
    price_rows = [
        {
            "reservation_id": reservation_id,
            "stay_position": stay_position,
            "position": position,
            "night": price.night,
            "amount": price.amount.amount,
            "currency": price.amount.currency,
            "rate_plan_code": price.rate_plan_code,
        }
        for position, price in enumerate(stay.nightly_prices)
    ]
    return stay_row, price_rows


def reservation_to_rows(reservation: Reservation) -> ReservationRows:
    """The header, stay, price and guest rows of ``reservation``."""
    payment = reservation.payment
    totals = reservation.totals
    header: Row = {
        "id": reservation.id,
        "connection_id": reservation.connection_id,
        "channel": reservation.channel,
        "external_id": reservation.external_id,
        "external_property_id": reservation.external_property_id,
        "property_id": reservation.property_id,
        "status": reservation.status.value,
        "revision_timestamp": reservation.revision.timestamp,
        "revision_sequence": reservation.revision.sequence,
        "booked_at": reservation.booked_at,
        "arrival": reservation.arrival,
        "departure": reservation.departure,
        "currency": reservation.currency,
        **_money_to_columns("amount_before_tax", totals.amount_before_tax),
        **_money_to_columns("amount_after_tax", totals.amount_after_tax),
        **_money_to_columns("taxes", totals.taxes),
        **_money_to_columns("commission", totals.commission),
        "remarks": list(reservation.remarks),
        "special_requests": list(reservation.special_requests),
        "has_payment": payment is not None,
        "payment_card_type": payment.card_type if payment else None,
        "payment_last_four": payment.last_four if payment else None,
        "payment_expiry": payment.expiry if payment else None,
        "payment_holder_name": payment.holder_name if payment else None,
        "source": reservation.source,
        "raw_message_id": reservation.raw_message_id,
    }
    stays: list[Row] = []
    prices: list[Row] = []
    for stay_position, stay in enumerate(reservation.room_stays):
        stay_row, price_rows = _stay_to_rows(reservation.id, stay_position, stay)
        stays.append(stay_row)
        prices.extend(price_rows)
    guests = [
        _guest_to_row(reservation.id, GUEST, position, guest)
        for position, guest in enumerate(reservation.guests)
    ]
    if reservation.booker is not None:
        guests.append(_guest_to_row(reservation.id, BOOKER, 0, reservation.booker))
    return ReservationRows(header, stays, prices, guests)


def _stay_from_rows(row: sa.RowMapping, prices: Sequence[sa.RowMapping]) -> RoomStay:
    return RoomStay(
        index=row["stay_index"],
        external_room_type_id=row["external_room_type_id"],
        external_room_type_name=row["external_room_type_name"],
        external_rate_plan_id=row["external_rate_plan_id"],
        unit_id=row["unit_id"],
        rate_plan_id=row["rate_plan_id"],
        arrival=row["arrival"],
        departure=row["departure"],
        guest_count=row["guest_count"],
        guest_names=tuple(row["guest_names"]),
        nightly_prices=tuple(
            NightlyPrice(
                night=price["night"],
                amount=stored_money(price["amount"], price["currency"]),
                rate_plan_code=price["rate_plan_code"],
            )
            for price in sorted(prices, key=lambda price: int(price["position"]))
        ),
        total=_money_from_columns(row, "total"),
        commission=_money_from_columns(row, "commission"),
        meal_plan=row["meal_plan"],
        remarks=tuple(row["remarks"]),
    )


def reservation_from_rows(
    header: sa.RowMapping,
    stays: Iterable[sa.RowMapping],
    prices: Iterable[sa.RowMapping],
    guests: Iterable[sa.RowMapping],
) -> Reservation:
    """Rebuild a reservation from its header and (unordered) child rows."""
    prices_by_stay: dict[int, list[sa.RowMapping]] = defaultdict(list)
    for price in prices:
        prices_by_stay[int(price["stay_position"])].append(price)
    ordered_stays = sorted(stays, key=lambda stay: int(stay["position"]))
    guest_rows = sorted(guests, key=lambda guest: int(guest["position"]))
    booker = next((_guest_from_row(g) for g in guest_rows if g["role"] == BOOKER), None)
    payment = None
    if header["has_payment"]:
        payment = PaymentSummary(
            card_type=header["payment_card_type"],
            last_four=header["payment_last_four"],
            expiry=header["payment_expiry"],
            holder_name=header["payment_holder_name"],
        )
    return Reservation(
        id=header["id"],
        connection_id=header["connection_id"],
        channel=header["channel"],
        external_id=header["external_id"],
        external_property_id=header["external_property_id"],
        property_id=header["property_id"],
        status=ReservationStatus(header["status"]),
        revision=Revision(header["revision_timestamp"], header["revision_sequence"]),
        booked_at=header["booked_at"],
        arrival=header["arrival"],
        departure=header["departure"],
        room_stays=tuple(
            _stay_from_rows(stay, prices_by_stay[int(stay["position"])]) for stay in ordered_stays
        ),
        booker=booker,
        guests=tuple(_guest_from_row(g) for g in guest_rows if g["role"] == GUEST),
        totals=Totals(
            amount_before_tax=_money_from_columns(header, "amount_before_tax"),
            amount_after_tax=_money_from_columns(header, "amount_after_tax"),
            taxes=_money_from_columns(header, "taxes"),
            commission=_money_from_columns(header, "commission"),
        ),
        currency=header["currency"],
        remarks=tuple(header["remarks"]),
        special_requests=tuple(header["special_requests"]),
        payment=payment,
        source=header["source"],
        raw_message_id=header["raw_message_id"],
    )
