"""In-memory room type and rate plan mappings (unique per property mapping and external id)."""

from __future__ import annotations

from uuid import UUID

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.errors import MappingConflict
from channel_manager.domain.mapping import RatePlanMapping, UnitMapping


class InMemoryUnitMappingRepository:
    """Channel room type <-> unit mappings."""

    def __init__(self, rows: TableView[UnitMapping]) -> None:
        self._rows = rows

    def add(self, mapping: UnitMapping) -> None:
        """Insert; the same room type twice in one property mapping is a MappingConflict."""
        if self.find(mapping.property_mapping_id, mapping.external_room_type_id) is not None:
            raise MappingConflict(
                f"external room type {mapping.external_room_type_id} is already mapped "
                f"in property mapping {mapping.property_mapping_id}"
            )
        self._rows.insert(mapping.id, mapping)

    def remove(self, id: UUID) -> None:
        """Delete the mapping; no error when it is already gone."""
        self._rows.delete(id)

    def list_by_property_mapping(self, property_mapping_id: UUID) -> list[UnitMapping]:
        """A property mapping's room type mappings by external room type id."""
        found = self._rows.select(lambda m: m.property_mapping_id == property_mapping_id)
        return sorted(found, key=lambda m: m.external_room_type_id)

    def find(self, property_mapping_id: UUID, external_room_type_id: str) -> UnitMapping | None:
        """The mapping of one channel room type, if any."""
        return next(
            self._rows.select(
                lambda m: (
                    m.property_mapping_id == property_mapping_id
                    and m.external_room_type_id == external_room_type_id
                )
            ),
            None,
        )


class InMemoryRatePlanMappingRepository:
    """Channel rate plan <-> rate plan mappings."""

    def __init__(self, rows: TableView[RatePlanMapping]) -> None:
        self._rows = rows

    def add(self, mapping: RatePlanMapping) -> None:
        """Insert; the same rate plan twice in one property mapping is a MappingConflict."""
        if self.find(mapping.property_mapping_id, mapping.external_rate_plan_id) is not None:
            raise MappingConflict(
                f"external rate plan {mapping.external_rate_plan_id} is already mapped "
                f"in property mapping {mapping.property_mapping_id}"
            )
        self._rows.insert(mapping.id, mapping)

    def remove(self, id: UUID) -> None:
        """Delete the mapping; no error when it is already gone."""
        self._rows.delete(id)

    def list_by_property_mapping(self, property_mapping_id: UUID) -> list[RatePlanMapping]:
        """A property mapping's rate plan mappings by external rate plan id."""
        found = self._rows.select(lambda m: m.property_mapping_id == property_mapping_id)
        return sorted(found, key=lambda m: m.external_rate_plan_id)

    def find(self, property_mapping_id: UUID, external_rate_plan_id: str) -> RatePlanMapping | None:
        """The mapping of one channel rate plan, if any."""
        return next(
            self._rows.select(
                lambda m: (
                    m.property_mapping_id == property_mapping_id
                    and m.external_rate_plan_id == external_rate_plan_id
                )
            ),
            None,
        )
