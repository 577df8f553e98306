"""The webhook events of reservation intake (issue 18): ``reservation.created|modified|
cancelled`` for what the ledger stored, and ``overbooking.detected`` when the rooms a booking
takes put a unit's nights over its count. Bodies carry ids, dates, status and totals: never
guests' payment data (nor names: the receiver reads the reservation through the API).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from uuid import UUID

from channel_manager.domain.availability import Occupancy
from channel_manager.domain.events import EventType
from channel_manager.domain.ledger import LedgerOutcome
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.events import EventSink, JsonValue
from channel_manager.ports.repositories import UnitOfWork

_EVENTS = {
    LedgerOutcome.CREATED: EventType.RESERVATION_CREATED,
    LedgerOutcome.UPDATED: EventType.RESERVATION_MODIFIED,
    LedgerOutcome.CONFLICT: EventType.RESERVATION_MODIFIED,
    LedgerOutcome.CANCELLED: EventType.RESERVATION_CANCELLED,
    LedgerOutcome.TOMBSTONED: EventType.RESERVATION_CANCELLED,
}


def order_key(reservation_id: UUID) -> str:
    """The order key of a reservation's events: its receiver gets them in order."""
    return f"reservation:{reservation_id}"


def _money(value: Money | None) -> JsonValue:
    return None if value is None else str(value.amount)


def reservation_data(reservation: Reservation) -> dict[str, JsonValue]:
    """A reservation event's ``data``."""
    totals = reservation.totals
    return {
        "reservation_id": str(reservation.id),
        "connection_id": str(reservation.connection_id),
        "channel": reservation.channel,
        "external_id": reservation.external_id,
        "external_property_id": reservation.external_property_id,
        "property_id": None if reservation.property_id is None else str(reservation.property_id),
        "status": reservation.status.value,
        "kind": reservation.kind.value,
        "arrival": reservation.arrival.isoformat(),
        "departure": reservation.departure.isoformat(),
        "currency": reservation.currency,
        "totals": {
            "amount_before_tax": _money(totals.amount_before_tax),
            "amount_after_tax": _money(totals.amount_after_tax),
            "taxes": _money(totals.taxes),
            "commission": _money(totals.commission),
        },
        "rooms": [
            {
                "unit_id": None if stay.unit_id is None else str(stay.unit_id),
                "rate_plan_id": None if stay.rate_plan_id is None else str(stay.rate_plan_id),
                "external_room_type_id": stay.external_room_type_id,
                "arrival": stay.arrival.isoformat(),
                "departure": stay.departure.isoformat(),
                "total": _money(stay.total),
            }
            for stay in reservation.room_stays
        ],
        "flags": [flag.code.value for flag in reservation.flags],
    }


def emit_reservation(
    events: EventSink,
    uow: UnitOfWork,
    organization_id: UUID,
    outcome: LedgerOutcome,
    reservation: Reservation | None,
) -> None:
    """The event of what the ledger stored (nothing for a duplicate, stale or ignored one)."""
    event = _EVENTS.get(outcome)
    if event is None or reservation is None:
        return
    events.emit(
        uow,
        organization_id,
        event,
        reservation_data(reservation),
        order_key=order_key(reservation.id),
    )


def emit_overbookings(
    events: EventSink,
    uow: UnitOfWork,
    organization_id: UUID,
    delta: Occupancy,
    reservation_ids: Collection[UUID] = (),
) -> None:
    """``overbooking.detected`` per unit whose nights that ``delta`` added rooms to are now
    booked beyond its count (after ``delta`` was recorded). Looked for only when a subscription
    wants it: it reads the nights and the unit of every unit ``delta`` adds rooms to."""
    if not events.wants(uow, organization_id, EventType.OVERBOOKING_DETECTED):
        return
    added: dict[UUID, set[date]] = {}
    for (unit_id, night), change in delta.items():
        if change > 0:
            added.setdefault(unit_id, set()).add(night)
    for unit_id, nights in sorted(added.items(), key=lambda item: str(item[0])):
        booked = uow.booked_nights.window([unit_id], min(nights), max(nights)).get(unit_id, {})
        unit = uow.units.get(unit_id)
        over = sorted(n for n in nights if booked.get(n, 0) > unit.count)
        if not over:
            continue
        events.emit(
            uow,
            organization_id,
            EventType.OVERBOOKING_DETECTED,
            {
                "unit_id": str(unit_id),
                "property_id": str(unit.property_id),
                "rooms": unit.count,
                "nights": [
                    {"night": night.isoformat(), "booked": booked.get(night, 0)} for night in over
                ],
                "reservation_ids": list[JsonValue](sorted(str(r) for r in reservation_ids)),
            },
        )
