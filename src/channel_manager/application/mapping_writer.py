"""Writes one hotel's confirmed mapping (creating properties, units or rate plans on request)."""

from __future__ import annotations

from uuid import UUID

import attrs

from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.application.scoping import owned_property
from channel_manager.domain.channel import ExternalCatalog
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import UnknownRatePlan, UnknownRoomType
from channel_manager.domain.inventory import Property, RatePlan, Unit
from channel_manager.domain.mapping import (
    PropertyMapping,
    RatePlanMapping,
    UnitMapping,
    validate_mapping_set,
)
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWork


class MappingWriter:
    """Replaces a hotel's mappings inside the caller's unit of work."""

    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self._clock = clock
        self._ids = ids

    def write(
        self,
        uow: UnitOfWork,
        connection: Connection,
        catalog: ExternalCatalog,
        hotel: HotelMappingInput,
    ) -> PropertyMapping:
        """Store ``hotel``'s mapping, replacing its previous room and rate plan mappings."""
        target = self._target_property(uow, connection, catalog, hotel)
        existing = uow.property_mappings.find(connection.id, hotel.external_property_id)
        if existing is None:
            mapping = PropertyMapping(
                id=self._ids.new_id(),
                connection_id=connection.id,
                internal_property_id=target.id,
                external_property_id=hotel.external_property_id,
                external_property_name=catalog.property.name,
                sync_enabled=hotel.sync_enabled,
                created_at=self._clock.now(),
            )
            uow.property_mappings.add(mapping)
        else:
            mapping = attrs.evolve(
                existing,
                internal_property_id=target.id,
                external_property_name=catalog.property.name,
                sync_enabled=hotel.sync_enabled,
            )
            uow.property_mappings.update(mapping)
            for old_unit in uow.unit_mappings.list_by_property_mapping(mapping.id):
                uow.unit_mappings.remove(old_unit.id)
            for old_plan in uow.rate_plan_mappings.list_by_property_mapping(mapping.id):
                uow.rate_plan_mappings.remove(old_plan.id)
        for unit_input in hotel.units:
            uow.unit_mappings.add(self._unit_mapping(uow, mapping, target, catalog, unit_input))
        for plan_input in hotel.rate_plans:
            uow.rate_plan_mappings.add(
                self._rate_plan_mapping(uow, mapping, target, catalog, plan_input)
            )
        return mapping

    def validate(self, uow: UnitOfWork, connection: Connection) -> None:
        """Check the connection's whole mapping set (one unit per room type, and so on)."""
        properties = uow.property_mappings.list_by_connection(connection.id)
        units = [u for p in properties for u in uow.unit_mappings.list_by_property_mapping(p.id)]
        plans = [
            r for p in properties for r in uow.rate_plan_mappings.list_by_property_mapping(p.id)
        ]
        validate_mapping_set(properties, units, plans)

    def _target_property(
        self,
        uow: UnitOfWork,
        connection: Connection,
        catalog: ExternalCatalog,
        hotel: HotelMappingInput,
    ) -> Property:
        if hotel.internal_property_id is not None:
            return owned_property(uow, connection.organization_id, hotel.internal_property_id)
        if not hotel.create_property:
            raise InvalidRequest(
                f"hotel {hotel.external_property_id!r}: choose a property or create a new one"
            )
        created = Property(
            id=self._ids.new_id(),
            organization_id=connection.organization_id,
            name=catalog.property.name or f"Booking.com {hotel.external_property_id}",
            currency=catalog.property.currency or "EUR",
        )
        uow.properties.add(created)
        return created

    def _unit_mapping(
        self,
        uow: UnitOfWork,
        mapping: PropertyMapping,
        target: Property,
        catalog: ExternalCatalog,
        unit_input: UnitMappingInput,
    ) -> UnitMapping:
        room = next(
            (r for r in catalog.room_types if r.code == unit_input.external_room_type_id), None
        )
        if room is None:
            raise UnknownRoomType(unit_input.external_room_type_id)
        if unit_input.internal_unit_id is not None:
            unit = uow.units.get(unit_input.internal_unit_id)
            if unit.property_id != target.id:
                raise InvalidRequest(
                    f"unit {unit.id} belongs to another property than {target.name!r}"
                )
        elif unit_input.create_unit:
            unit = Unit(
                id=self._ids.new_id(),
                property_id=target.id,
                name=room.name or f"Room {room.code}",
                count=unit_input.unit_count,
                max_occupancy=room.max_occupancy or 2,
            )
            uow.units.add(unit)
        else:
            raise InvalidRequest(f"room type {room.code!r}: choose a unit or create a new one")
        return UnitMapping(
            id=self._ids.new_id(),
            property_mapping_id=mapping.id,
            internal_unit_id=unit.id,
            external_room_type_id=room.code,
            external_room_type_name=room.name,
            created_at=self._clock.now(),
        )

    def _rate_plan_mapping(
        self,
        uow: UnitOfWork,
        mapping: PropertyMapping,
        target: Property,
        catalog: ExternalCatalog,
        plan_input: RatePlanMappingInput,
    ) -> RatePlanMapping:
        external = next(
            (p for p in catalog.rate_plans if p.code == plan_input.external_rate_plan_id), None
        )
        if external is None:
            raise UnknownRatePlan(plan_input.external_rate_plan_id)
        plan_id: UUID
        if plan_input.internal_rate_plan_id is not None:
            plan = uow.rate_plans.get(plan_input.internal_rate_plan_id)
            if plan.property_id != target.id:
                raise InvalidRequest(f"rate plan {plan.id} belongs to another property")
            plan_id = plan.id
        elif plan_input.create_rate_plan:
            created = RatePlan(
                id=self._ids.new_id(),
                property_id=target.id,
                name=external.name or external.code,
                code=external.code,
            )
            uow.rate_plans.add(created)
            plan_id = created.id
        else:
            raise InvalidRequest(
                f"rate plan {external.code!r}: choose a rate plan or create a new one"
            )
        return RatePlanMapping(
            id=self._ids.new_id(),
            property_mapping_id=mapping.id,
            internal_rate_plan_id=plan_id,
            external_rate_plan_id=external.code,
            external_rate_plan_name=external.name,
            created_at=self._clock.now(),
        )
