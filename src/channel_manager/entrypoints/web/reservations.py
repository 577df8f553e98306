"""Reservations: a filtered list and a detail view with the raw message it came from."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get

from channel_manager.application.inventory import InventoryService
from channel_manager.application.queries import Queries
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.entrypoints.web.common import choice_or_none, date_or_none, uuid_or_none
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
    property_id: str | None = None,
    status: str | None = None,
    arrival_from: str | None = None,
    arrival_to: str | None = None,
    offset: int = 0,
) -> Response[str]:
    """Reservations by arrival, filtered by property, status and arrival dates.

    The filters arrive as text: a field left blank in the form is sent as ``name=``.
    """
    chosen_property = uuid_or_none(property_id, "Property")
    chosen_status = choice_or_none(ReservationStatus, status, "Status")
    first_arrival = date_or_none(arrival_from, "Arriving from")
    last_arrival = date_or_none(arrival_to, "Arriving until")
    properties = inventory.list_properties(organization_id)
    found = queries.reservations(
        organization_id,
        property_id=chosen_property,
        status=chosen_status,
        arrival_from=first_arrival,
        arrival_to=last_arrival,
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
            "property_id": str(chosen_property or ""),
            "status": chosen_status.value if chosen_status else "",
            "arrival_from": str(first_arrival or ""),
            "arrival_to": str(last_arrival or ""),
        },
    )


def _messages_about(
    queries: Queries, organization_id: UUID, reservation: Reservation
) -> tuple[MessageLogEntry | None, list[MessageLogEntry]]:
    """The message the reservation came from, and every logged message that names it
    (newest first): its revision history as the channel sent it.

    Only pushed reservations link the message they came from; for pulled ones the current
    revision is the newest inbound message that names the reservation.
    """
    entries = queries.messages(organization_id, reservation.connection_id, MESSAGE_LOOKBACK)
    raw = next((e for e in entries if e.id == reservation.raw_message_id), None)
    history = [e for e in entries if reservation.external_id in e.body or e is raw]
    if raw is None:
        raw = next((e for e in history if e.direction is MessageDirection.INBOUND), None)
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
