"""Reservations: a filtered list and a detail view with the raw message it came from."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Request, Response, get

from channel_manager.application.inventory import InventoryService
from channel_manager.application.queries import Queries
from channel_manager.domain.messages import MessageLogEntry
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.entrypoints.web.rendering import page

#: How far back the detail view looks in the message log for a reservation's messages.
MESSAGE_LOOKBACK = 500
PAGE_SIZE = 100


@get("/reservations", include_in_schema=False, sync_to_thread=True)
def reservations_page(
    request: Request[Any, Any, Any],
    *,
    organization_id: UUID,
    queries: Queries,
    inventory: InventoryService,
    property_id: UUID | None = None,
    status: ReservationStatus | None = None,
    arrival_from: date | None = None,
    arrival_to: date | None = None,
    offset: int = 0,
) -> Response[str]:
    """Reservations by arrival, filtered by property, status and arrival dates."""
    properties = inventory.list_properties(organization_id)
    found = queries.reservations(
        organization_id,
        property_id=property_id,
        status=status,
        arrival_from=arrival_from,
        arrival_to=arrival_to,
        limit=PAGE_SIZE + 1,
        offset=max(offset, 0),
    )
    return page(
        request,
        "reservations.html",
        title="Reservations",
        nav="reservations",
        reservations=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        offset=max(offset, 0),
        page_size=PAGE_SIZE,
        properties=properties,
        property_names={p.id: p.name for p in properties},
        statuses=[s.value for s in ReservationStatus],
        filters={
            "property_id": str(property_id or ""),
            "status": status.value if status else "",
            "arrival_from": str(arrival_from or ""),
            "arrival_to": str(arrival_to or ""),
        },
    )


def _messages_about(
    queries: Queries, organization_id: UUID, reservation: Reservation
) -> tuple[MessageLogEntry | None, list[MessageLogEntry]]:
    """The message the reservation came from, and every logged message that names it
    (newest first): its revision history as the channel sent it.
    """
    entries = queries.messages(organization_id, reservation.connection_id, MESSAGE_LOOKBACK)
    raw = next((e for e in entries if e.id == reservation.raw_message_id), None)
    history = [e for e in entries if reservation.external_id in e.body or e is raw]
    return raw, history


@get("/reservations/{reservation_id:uuid}", include_in_schema=False, sync_to_thread=True)
def reservation_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    reservation_id: UUID,
    queries: Queries,
    inventory: InventoryService,
) -> Response[str]:
    """Guests, stays, nightly prices, totals, commission and the raw message (redacted)."""
    reservation = queries.reservation(organization_id, reservation_id)
    unit_names: dict[UUID, str] = {}
    property_name = None
    if reservation.property_id is not None:
        units = inventory.list_units(organization_id, reservation.property_id)
        unit_names = {u.id: u.name for u in units}
        property_name = next(
            (
                p.name
                for p in inventory.list_properties(organization_id)
                if p.id == reservation.property_id
            ),
            None,
        )
    raw, history = _messages_about(queries, organization_id, reservation)
    return page(
        request,
        "reservation.html",
        title=f"Reservation {reservation.external_id}",
        nav="reservations",
        r=reservation,
        property_name=property_name,
        unit_names=unit_names,
        raw=raw,
        history=history,
    )


RESERVATION_HANDLERS = (reservations_page, reservation_page)
