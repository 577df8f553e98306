"""What the mapping screen and API show and accept: external items beside ours."""

from __future__ import annotations

from uuid import UUID

import attrs


@attrs.frozen(kw_only=True)
class RoomTypeView:
    """A channel room type with its current mapping and the suggested unit."""

    code: str
    name: str | None
    max_occupancy: int | None
    mapped_unit_id: UUID | None = None
    suggested_unit_id: UUID | None = None
    suggestion_score: float | None = None


@attrs.frozen(kw_only=True)
class RatePlanView:
    """A channel rate plan with its current mapping and the suggested rate plan."""

    code: str
    name: str | None
    mapped_rate_plan_id: UUID | None = None
    suggested_rate_plan_id: UUID | None = None


@attrs.frozen(kw_only=True)
class HotelView:
    """A channel hotel, its mapping state, and its room types and rate plans."""

    hotel_code: str
    name: str | None
    currency: str | None
    #: Our property's IANA time zone (its "today" starts the rates grid).
    timezone: str = "UTC"
    property_mapping_id: UUID | None = None
    internal_property_id: UUID | None = None
    suggested_property_id: UUID | None = None
    sync_enabled: bool = False
    room_types: tuple[RoomTypeView, ...] = ()
    rate_plans: tuple[RatePlanView, ...] = ()

    @property
    def unmapped_room_types(self) -> tuple[str, ...]:
        """Codes of room types with no unit (highlighted in the UI)."""
        return tuple(room.code for room in self.room_types if room.mapped_unit_id is None)


@attrs.frozen(kw_only=True)
class UnitMappingInput:
    """Map a channel room type to an existing unit, or create a new unit for it."""

    external_room_type_id: str
    internal_unit_id: UUID | None = None
    create_unit: bool = False
    unit_count: int = 1


@attrs.frozen(kw_only=True)
class RatePlanMappingInput:
    """Map a channel rate plan to an existing rate plan, or create one for it."""

    external_rate_plan_id: str
    internal_rate_plan_id: UUID | None = None
    create_rate_plan: bool = False


@attrs.frozen(kw_only=True)
class HotelMappingInput:
    """Map a channel hotel to a property (or create one) with its rooms and rate plans.

    Saving replaces the hotel's previous room and rate plan mappings with these.
    """

    external_property_id: str
    internal_property_id: UUID | None = None
    create_property: bool = False
    sync_enabled: bool = True
    units: tuple[UnitMappingInput, ...] = ()
    rate_plans: tuple[RatePlanMappingInput, ...] = ()


@attrs.frozen(kw_only=True)
class MappingsInput:
    """The body of ``PUT /connections/{id}/mappings``."""

    hotels: tuple[HotelMappingInput, ...]
