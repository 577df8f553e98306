"""The mapping page: the channel's hotels, room types and rate plans beside our properties,
units and rate plans, with suggestions pre-selected and "create new" choices.

Form fields are numbered (``hotel-0-room-1``) and each carries the channel code in a hidden
field, so codes with any characters survive the round trip.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from uuid import UUID

import attrs
from litestar import Request, Response, get, post

from channel_manager.application.inventory import InventoryService
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    HotelView,
    MappingsInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.application.mapping_writer import in_other_currency
from channel_manager.application.mappings import MappingService
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.inventory import Property, RatePlan, Unit
from channel_manager.entrypoints.web.common import (
    FormData,
    FormError,
    notify,
    see_other,
    text,
    uuid_or_none,
    whole_number,
)
from channel_manager.entrypoints.web.rendering import page

#: The select value that asks for a new property, unit or rate plan to be created.
CREATE_NEW = "new"


@attrs.frozen
class OwnProperty:
    """One of our properties with its units and rate plans (the right-hand column)."""

    property: Property
    units: tuple[Unit, ...]
    rate_plans: tuple[RatePlan, ...]


def _inventory(inventory: InventoryService, organization_id: UUID) -> list[OwnProperty]:
    return [
        OwnProperty(
            p,
            tuple(inventory.list_units(organization_id, p.id)),
            tuple(inventory.list_rate_plans(organization_id, p.id)),
        )
        for p in inventory.list_properties(organization_id)
    ]


def _preselected(hotels: list[HotelView]) -> dict[str, str]:
    """Field values from the current mapping, else from the suggestions. Syncing is never
    ticked for a person: a hotel not mapped yet starts unticked."""
    chosen: dict[str, str] = {}
    for i, hotel in enumerate(hotels):
        prop = hotel.internal_property_id or hotel.suggested_property_id
        chosen[f"hotel-{i}-property"] = str(prop) if prop else ""
        chosen[f"hotel-{i}-sync"] = "on" if hotel.sync_enabled else ""
        for j, room in enumerate(hotel.room_types):
            unit = room.mapped_unit_id or room.suggested_unit_id
            chosen[f"hotel-{i}-room-{j}"] = str(unit) if unit else ""
        for k, plan in enumerate(hotel.rate_plans):
            own = plan.mapped_rate_plan_id or plan.suggested_rate_plan_id
            chosen[f"hotel-{i}-rate-{k}"] = str(own) if own else ""
    return chosen


def _choice(form: FormData, name: str, label: str) -> tuple[UUID | None, bool]:
    """(an existing id, or whether to create a new one) from a select."""
    value = text(form, name)
    if value == CREATE_NEW:
        return None, True
    return uuid_or_none(value, label), False


def parse_mappings(form: FormData) -> MappingsInput:
    """The mapping form as the use case's input; hotels left "not mapped" are skipped, and so
    are rooms and rate plans left empty (saving replaces the hotel's mapping with the rest).
    """
    hotels: list[HotelMappingInput] = []
    i = 0
    while (code := text(form, f"hotel-{i}-code")) is not None:
        prefix = f"hotel-{i}"
        property_id, create_property = _choice(form, f"{prefix}-property", f"Property for {code}")
        if property_id is not None or create_property:
            hotels.append(
                HotelMappingInput(
                    external_property_id=code,
                    internal_property_id=property_id,
                    create_property=create_property,
                    sync_enabled=text(form, f"{prefix}-sync") is not None,
                    units=tuple(_units(form, prefix)),
                    rate_plans=tuple(_rate_plans(form, prefix)),
                )
            )
        i += 1
    if not hotels:
        raise FormError("choose a property (or “create a new property”) for at least one hotel")
    return MappingsInput(hotels=tuple(hotels))


def _units(form: FormData, prefix: str) -> list[UnitMappingInput]:
    units = []
    j = 0
    while (code := text(form, f"{prefix}-room-{j}-code")) is not None:
        unit_id, create = _choice(form, f"{prefix}-room-{j}", f"Unit for room type {code}")
        if unit_id is not None or create:
            count = whole_number(form, f"{prefix}-room-{j}-count", f"Rooms of {code}", 1)
            units.append(
                UnitMappingInput(
                    external_room_type_id=code,
                    internal_unit_id=unit_id,
                    create_unit=create,
                    unit_count=count or 1,
                )
            )
        j += 1
    return units


def _rate_plans(form: FormData, prefix: str) -> list[RatePlanMappingInput]:
    plans = []
    k = 0
    while (code := text(form, f"{prefix}-rate-{k}-code")) is not None:
        plan_id, create = _choice(form, f"{prefix}-rate-{k}", f"Rate plan for {code}")
        if plan_id is not None or create:
            plans.append(
                RatePlanMappingInput(
                    external_rate_plan_id=code,
                    internal_rate_plan_id=plan_id,
                    create_rate_plan=create,
                )
            )
        k += 1
    return plans


@attrs.frozen
class RoomToMap:
    """An unmapped room type, for the list of links at the top of the page."""

    anchor: str
    label: str


@attrs.frozen
class HotelToMap:
    """A hotel with something left to map: itself, or some of its room types."""

    anchor: str
    label: str
    mapped: bool
    rooms: tuple[RoomToMap, ...]


_UNSAFE_IN_ANCHOR = re.compile(r"[^A-Za-z0-9_.-]")


def anchor(*parts: str) -> str:
    """A fragment id for a hotel or room row from the channel's codes (``map-1234567-DBL``),
    so a link can point at it; characters an address would have to escape become ``_``."""
    return "-".join(["map", *(_UNSAFE_IN_ANCHOR.sub("_", part) for part in parts)])


def to_map(hotels: list[HotelView]) -> list[HotelToMap]:
    """The hotels and room types still to map, in the page's order."""
    left = []
    for hotel in hotels:
        rooms = tuple(
            RoomToMap(anchor(hotel.hotel_code, room.code), room.name or room.code)
            for room in hotel.room_types
            if room.mapped_unit_id is None
        )
        if rooms or hotel.property_mapping_id is None:
            left.append(
                HotelToMap(
                    anchor(hotel.hotel_code),
                    hotel.name or hotel.hotel_code,
                    hotel.property_mapping_id is not None,
                    rooms,
                )
            )
    return left


def _mapping_page(
    request: Request[Any, Any, Any],
    connection_id: UUID,
    hotels: list[HotelView],
    own: list[OwnProperty],
    chosen: dict[str, str],
    error: str | None = None,
) -> Response[str]:
    """The form. A room is offered only the units (and rate plans) of the property chosen
    for its hotel; the script swaps them when another property is chosen. A property in
    another currency than the hotel's is listed disabled, with both currencies named, so a
    person sees why it cannot be chosen (rather than wondering where it went)."""
    return page(
        request,
        "mapping.html",
        422 if error else 200,
        title="Map rooms",
        nav="integrations",
        connection_id=connection_id,
        hotels=hotels,
        own=own,
        own_by_id={str(o.property.id): o for o in own},
        chosen=chosen,
        error=error,
        create_new=CREATE_NEW,
        anchor=anchor,
        other_currency=in_other_currency,
        to_map=to_map(hotels),
    )


def _inactive_page(request: Request[Any, Any, Any], connection: Connection) -> Response[str]:
    """What a connection that cannot talk to the channel shows instead of its mapping: its
    state and the way back, with nothing asked of the channel."""
    title = {
        ConnectionStatus.REVOKED: "This connection is revoked",
        ConnectionStatus.ERROR: "This connection needs to be connected again",
    }.get(connection.status, "This connection is not active yet")
    return page(
        request,
        "connection_inactive.html",
        409,
        title=title,
        nav="integrations",
        connection=connection,
    )


@get("/connections/{connection_id:uuid}/mapping", include_in_schema=False)
async def mapping_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    mappings: MappingService,
    inventory: InventoryService,
    queries: Queries,
) -> Response[str]:
    """Channel items beside ours; suggestions pre-selected, unmapped rooms highlighted."""
    connection = await asyncio.to_thread(queries.connection, organization_id, connection_id)
    if not connection.is_active:
        return _inactive_page(request, connection)
    hotels = await mappings.discover(organization_id, connection_id)
    own = await asyncio.to_thread(_inventory, inventory, organization_id)
    return _mapping_page(request, connection_id, hotels, own, _preselected(hotels))


@post("/connections/{connection_id:uuid}/mapping", include_in_schema=False)
async def save_mapping(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    mappings: MappingService,
    inventory: InventoryService,
    queries: Queries,
) -> Response[Any]:
    """Validate and save; on a problem show the page again with the choices and the reason."""
    # Another organisation's id: 404 before anything is read from the form.
    connection = await asyncio.to_thread(queries.connection, organization_id, connection_id)
    if not connection.is_active:
        return _inactive_page(request, connection)
    form = await request.form()
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        saved = await mappings.save(organization_id, connection_id, parse_mappings(form))
    except NotFound:
        raise
    except DomainError as error:
        hotels = await mappings.discover(organization_id, connection_id)
        own = await asyncio.to_thread(_inventory, inventory, organization_id)
        return _mapping_page(request, connection_id, hotels, own, submitted, str(error))
    unmapped = sum(len(h.unmapped_room_types) for h in saved)
    notify(
        request,
        "Mapping saved."
        + (
            f" {unmapped} room type(s) are still unmapped."
            if unmapped
            else " Every room is mapped."
        ),
    )
    return see_other(f"/connections/{connection_id}/mapping")


MAPPING_HANDLERS = (mapping_page, save_mapping)
