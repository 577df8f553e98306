"""Row translation for a reservation and its child rows (stays, nightly prices, guests).

A reservation is written as one header row plus child rows keyed by the reservation id and a
position, so reading them back in position order restores the tuples exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.money import Money, minor_units
from channel_manager.domain.reservation import (
    Address,
    Change,
    FlagCode,
    Guest,
    NightlyPrice,
    PaymentSummary,
    Reservation,
    ReservationFlag,
    ReservationId,
    ReservationKind,
    ReservationStatus,
    Revision,
    RevisionEntry,
    RoomStay,
    Service,
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


def _money_to_json(money: Money | None) -> list[str] | None:
    return None if money is None else [str(money.amount), money.currency]


def _money_from_json(value: object) -> Money | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    return stored_money(Decimal(str(value[0])), str(value[1]))


def _stay_details(stay: RoomStay) -> dict[str, Any]:
    return {
        "adults": stay.adults,
        "children": stay.children,
        "child_ages": list(stay.child_ages),
        "infants": stay.infants,
        "taxes": _money_to_json(stay.taxes),
        "fees": _money_to_json(stay.fees),
    }


def _flag_to_json(flag: ReservationFlag) -> dict[str, Any]:
    return {
        "code": flag.code.value,
        "message": flag.message,
        "figures": [list(pair) for pair in flag.figures],
        "room": flag.room,
    }


def _flag_from_json(value: dict[str, Any]) -> ReservationFlag:
    return ReservationFlag(
        code=FlagCode(value["code"]),
        message=value["message"],
        figures=tuple((str(name), str(figure)) for name, figure in value.get("figures", [])),
        room=value.get("room"),
    )


def _entry_to_json(entry: RevisionEntry) -> dict[str, Any]:
    return {
        "timestamp": entry.timestamp.isoformat(),
        "sequence": entry.sequence,
        "action": entry.action,
        "summary": [list(pair) for pair in entry.summary],
        "changes": [[c.field, c.before, c.after] for c in entry.changes],
    }


def _entry_from_json(value: dict[str, Any]) -> RevisionEntry:
    return RevisionEntry(
        timestamp=datetime.fromisoformat(value["timestamp"]),
        sequence=int(value.get("sequence", 0)),
        action=value["action"],
        summary=tuple((str(k), str(v)) for k, v in value.get("summary", [])),
        changes=tuple(
            Change(field=str(f), before=str(b), after=str(a))
            for f, b, a in value.get("changes", [])
        ),
    )


def _reservation_details(reservation: Reservation) -> dict[str, Any]:
    return {
        "flags": [_flag_to_json(flag) for flag in reservation.flags],
        "services": [
            {
                "code": service.code,
                "name": service.name,
                "quantity": service.quantity,
                "amount": _money_to_json(service.amount),
                "room": service.room,
            }
            for service in reservation.services
        ],
        "ids": [[i.value, i.type, i.source] for i in reservation.reservation_ids],
        "arrival_time": reservation.arrival_time,
        "promotion_codes": list(reservation.promotion_codes),
        "cancelled_at": reservation.cancelled_at.isoformat() if reservation.cancelled_at else None,
        "history": [_entry_to_json(entry) for entry in reservation.history],
    }


def _details_fields(details: dict[str, Any] | None) -> dict[str, Any]:
    """The reservation fields kept in ``details`` (defaults for rows written before it)."""
    if not details:
        return {}
    cancelled_at = details.get("cancelled_at")
    return {
        "flags": tuple(_flag_from_json(flag) for flag in details.get("flags", [])),
        "services": tuple(
            Service(
                code=service.get("code"),
                name=service.get("name"),
                quantity=int(service.get("quantity", 1)),
                amount=_money_from_json(service.get("amount")),
                room=service.get("room"),
            )
            for service in details.get("services", [])
        ),
        "reservation_ids": tuple(
            ReservationId(value=value, type=type_, source=source)
            for value, type_, source in details.get("ids", [])
        ),
        "arrival_time": details.get("arrival_time"),
        "promotion_codes": tuple(details.get("promotion_codes", [])),
        "cancelled_at": datetime.fromisoformat(cancelled_at) if cancelled_at else None,
        "history": tuple(_entry_from_json(entry) for entry in details.get("history", [])),
    }


def _stay_fields(details: dict[str, Any] | None) -> dict[str, Any]:
    if not details:
        return {}
    return {
        "adults": details.get("adults"),
        "children": int(details.get("children", 0)),
        "child_ages": tuple(int(age) for age in details.get("child_ages", [])),
        "infants": int(details.get("infants", 0)),
        "taxes": _money_from_json(details.get("taxes")),
        "fees": _money_from_json(details.get("fees")),
    }


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
        "details": _stay_details(stay),
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
        "details": _reservation_details(reservation),
        "flag_count": len(reservation.flags),
        "kind": reservation.kind.value,
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
        **_stay_fields(row["details"]),
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
        kind=ReservationKind(header["kind"]),
        **_details_fields(header["details"]),
    )
