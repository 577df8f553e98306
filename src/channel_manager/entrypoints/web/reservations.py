"""Reservations: a filtered list and a detail view with the raw message it came from."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get

from channel_manager.application.inventory import InventoryService
from channel_manager.application.queries import Queries
from channel_manager.domain.reservation import ReservationStatus
from channel_manager.entrypoints.reservation_messages import reservation_messages
from channel_manager.entrypoints.web.common import choice_or_none, date_or_none, uuid_or_none
from channel_manager.entrypoints.web.pickers import connection_choices
from channel_manager.entrypoints.web.rendering import page
from channel_manager.ports.inbound import MessageExcerpts

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
        channel_labels={c.id: c.label for c in connection_choices(queries, organization_id)},
        statuses=[s.value for s in ReservationStatus],
        filters={
            "property_id": str(chosen_property or ""),
            "status": chosen_status.value if chosen_status else "",
            "arrival_from": str(first_arrival or ""),
            "arrival_to": str(last_arrival or ""),
        },
    )


@get("/reservations/{reservation_id:uuid}", include_in_schema=False, sync_to_thread=True)
def reservation_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    reservation_id: UUID,
    queries: Queries,
    inventory: InventoryService,
    excerpts: MessageExcerpts,
) -> Response[str]:
    """Guests, stays (meal plans and rate plans by name), nightly prices, totals, commission
    and the raw message (redacted)."""
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
    raw, history = reservation_messages(queries, excerpts, organization_id, reservation)
    rate_plan_names = (
        queries.rate_plan_names(organization_id, reservation)
        if any(stay.external_rate_plan_id for stay in reservation.room_stays)
        else {}
    )
    channel_label = next(
        (
            c.label
            for c in connection_choices(queries, organization_id)
            if c.id == reservation.connection_id
        ),
        None,
    )
    return page(
        request,
        "reservation.html",
        title=f"Reservation {reservation.external_id}",
        nav="reservations",
        r=reservation,
        channel_label=channel_label,
        property_name=property_name,
        unit_names=unit_names,
        rate_plan_names=rate_plan_names,
        raw=raw,
        history=history,
    )


RESERVATION_HANDLERS = (reservations_page, reservation_page)
