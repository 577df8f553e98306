"""Reservations for the terminal and for scripts: a table row, the full card, and JSON.

Card data stays masked: a stored reservation holds a payment summary (type, last four digits,
expiry, holder) and never more, so nothing here could print a card number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

import cattrs
from rich.table import Table
from rich.text import Text

from channel_manager.domain.money import Money, minor_units
from channel_manager.domain.reservation import Guest, Reservation, ReservationKind, RoomStay

_STATUS_STYLES = {"confirmed": "green", "modified": "yellow", "cancelled": "red"}


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    converter.register_unstructure_hook(dt.datetime, lambda value: value.isoformat())
    converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(UUID, str)
    return converter


_JSON = _converter()


def money(value: Money | None) -> str:
    """``120.00 EUR`` (the currency's minor units), or a dash."""
    if value is None:
        return "-"
    places = minor_units(value.currency)
    return f"{value.amount.quantize(Decimal(1).scaleb(-places))} {value.currency}"


def total(reservation: Reservation) -> Money | None:
    """What the guest pays: after tax when the channel said it, else before tax."""
    return reservation.totals.amount_after_tax or reservation.totals.amount_before_tax


def guest_name(reservation: Reservation) -> str:
    """The booker's name, else the first guest's, else a dash."""
    person = reservation.booker or next(iter(reservation.guests), None)
    return person.full_name if person is not None else "-"


def summary(reservation: Reservation, organization: str) -> dict[str, Any]:
    """One reservation as a ``reservations list --json`` row."""
    amount = total(reservation)
    return {
        "id": str(reservation.id),
        "external_id": reservation.external_id,
        "channel": reservation.channel,
        "organization": organization,
        "connection_id": str(reservation.connection_id),
        "hotel": reservation.external_property_id,
        "property_id": str(reservation.property_id) if reservation.property_id else None,
        "status": reservation.status.value,
        "arrival": reservation.arrival.isoformat(),
        "departure": reservation.departure.isoformat(),
        "nights": reservation.nights,
        "rooms": len(reservation.room_stays),
        "guest": guest_name(reservation),
        "total": None if amount is None else _JSON.unstructure(amount),
        "flags": [flag.code.value for flag in reservation.flags],
    }


def full(reservation: Reservation, organization: str) -> dict[str, Any]:
    """Everything stored about one reservation (``reservations show --json``)."""
    data: dict[str, Any] = _JSON.unstructure(reservation)
    data["organization"] = organization
    return data


def reservations_table(rows: Iterable[tuple[str, Reservation]]) -> Table:
    """Reservations with their organisation, by arrival."""
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for title in (
        "booking id",
        "organization",
        "channel",
        "hotel",
        "status",
        "arrival",
        "departure",
    ):
        table.add_column(title, no_wrap=True)
    for title in ("rooms", "guest", "total", "flags"):
        table.add_column(title)
    for organization, item in rows:
        table.add_row(
            str(item.id),
            Text(item.external_id),
            Text(organization),
            Text(item.channel),
            Text(item.external_property_id),
            Text(item.status.value, style=_STATUS_STYLES.get(item.status.value, "")),
            item.arrival.isoformat(),
            item.departure.isoformat(),
            str(len(item.room_stays)),
            Text("block" if item.kind is ReservationKind.BLOCK else guest_name(item)),
            money(total(item)),
            Text(", ".join(flag.code.value for flag in item.flags), style="yellow"),
        )
    return table


def _guest_lines(label: str, person: Guest) -> list[str]:
    details = [
        person.email,
        person.phone,
        person.country,
        person.language and f"speaks {person.language}",
    ]
    lines = [f"{label:<13} {person.full_name}"]
    if any(details):
        lines.append(" " * 14 + ", ".join(str(d) for d in details if d))
    address = person.address
    if address is not None:
        parts = [*address.lines, " ".join(p for p in (address.postal_code, address.city) if p)]
        parts.append(address.country_code or "")
        lines.append(" " * 14 + ", ".join(p for p in parts if p))
    return lines


def _room_lines(stay: RoomStay, units: Mapping[UUID, str], plans: Mapping[UUID, str]) -> list[str]:
    ours = units.get(stay.unit_id, "unit") if stay.unit_id else "UNMAPPED"
    plan = plans.get(stay.rate_plan_id, "") if stay.rate_plan_id else ""
    head = (
        f"room {stay.index}: {stay.external_room_type_name or stay.external_room_type_id} "
        f"({stay.external_room_type_id}) -> {ours}"
    )
    people = f"{stay.guest_count} guest(s)"
    if stay.adults is not None:
        people += f": {stay.adults} adult(s)"
        if stay.children:
            ages = f" aged {', '.join(map(str, stay.child_ages))}" if stay.child_ages else ""
            people += f", {stay.children} child(ren){ages}"
        if stay.infants:
            people += f", {stay.infants} infant(s)"
    extras = [
        f"{stay.arrival} -> {stay.departure}",
        people,
        stay.meal_plan_name or "",
        f"rate plan {stay.external_rate_plan_id}" + (f" -> {plan}" if plan else "")
        if stay.external_rate_plan_id
        else "",
    ]
    lines = [head, "    " + "; ".join(e for e in extras if e)]
    if stay.guest_names:
        lines.append("    guests: " + ", ".join(stay.guest_names))
    lines.extend(f"    {price.night}  {money(price.amount)}" for price in stay.nightly_prices)
    for name, amount in (("room total", stay.total), ("taxes", stay.taxes), ("fees", stay.fees)):
        if amount is not None:
            lines.append(f"    {name}: {money(amount)}")
    lines.extend(f"    remark: {remark}" for remark in stay.remarks)
    return lines


def detail_lines(
    reservation: Reservation,
    organization: str,
    property_name: str | None,
    units: Mapping[UUID, str],
    plans: Mapping[UUID, str],
) -> list[str]:
    """The reservation as a person reads it: stay, guest, rooms with nightly prices, totals,
    payment summary (masked), flags and what changed."""
    r = reservation
    hotel = f"{r.external_property_id} -> " + (property_name or "not mapped to a property")
    lines = [
        f"reservation {r.external_id} ({r.source}), id {r.id}",
        f"{'status':<13} {r.status.value} (revision {r.revision.timestamp.isoformat()}"
        f"{f' #{r.revision.sequence}' if r.revision.sequence else ''})",
        f"{'organization':<13} {organization}, connection {r.connection_id}",
        f"{'hotel':<13} {hotel}",
        f"{'stay':<13} {r.arrival} -> {r.departure} ({r.nights} night(s))",
        f"{'booked':<13} {r.booked_at.isoformat() if r.booked_at else '-'}",
    ]
    if r.cancelled_at is not None:
        lines.append(f"{'cancelled':<13} {r.cancelled_at.isoformat()}")
    if r.booker is not None:
        lines.extend(_guest_lines("guest", r.booker))
    for other in r.guests:
        lines.extend(_guest_lines("also", other))
    if r.payment is not None:
        card = r.payment.card_type or "card"
        ending = f" **** {r.payment.last_four}" if r.payment.last_four else ""
        expiry = f", expires {r.payment.expiry}" if r.payment.expiry else ""
        holder = f", {r.payment.holder_name}" if r.payment.holder_name else ""
        lines.append(f"{'payment':<13} {card}{ending}{expiry}{holder}")
    for stay in r.room_stays:
        lines.extend(_room_lines(stay, units, plans))
    for service in r.services:
        room = f"room {service.room}" if service.room else "all rooms"
        name = service.name or service.code or "service"
        lines.append(f"service: {name} x{service.quantity} ({room}) {money(service.amount)}")
    t = r.totals
    lines.append(
        f"{'totals':<13} before tax {money(t.amount_before_tax)}, taxes {money(t.taxes)}, "
        f"after tax {money(t.amount_after_tax)}, commission {money(t.commission)}"
    )
    lines.extend(f"request: {text}" for text in r.special_requests)
    lines.extend(f"remark: {text}" for text in r.remarks)
    for flag in r.flags:
        figures = "; ".join(f"{name}: {value}" for name, value in flag.figures)
        lines.append(
            f"FLAG {flag.code.value}: {flag.message}" + (f" ({figures})" if figures else "")
        )
    for entry in r.history:
        lines.append(f"{entry.timestamp.isoformat()} {entry.action}")
        lines.extend(f"    {c.field}: {c.before} -> {c.after}" for c in entry.changes)
    return lines
