"""Writes one hotel's confirmed mapping (creating properties, units or rate plans on request)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from uuid import UUID

import attrs

from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.application.scoping import owned_property, owned_unit
from channel_manager.domain.channel import ExternalCatalog
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import (
    MappingConflict,
    NotFound,
    UnknownRatePlan,
    UnknownRoomType,
)
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
        """Check the connection's whole mapping set (one unit per room type, and so on).

        What a person can get wrong on the mapping screen (one of our properties, units or
        rate plans chosen twice) is named in words first; the domain's check stays the net.
        """
        properties = uow.property_mappings.list_by_connection(connection.id)
        units = [u for p in properties for u in uow.unit_mappings.list_by_property_mapping(p.id)]
        plans = [
            r for p in properties for r in uow.rate_plan_mappings.list_by_property_mapping(p.id)
        ]
        _refuse_doubles(uow, properties, units, plans)
        validate_mapping_set(properties, units, plans)

    def _target_property(
        self,
        uow: UnitOfWork,
        connection: Connection,
        catalog: ExternalCatalog,
        hotel: HotelMappingInput,
    ) -> Property:
        if hotel.internal_property_id is not None:
            chosen = owned_property(uow, connection.organization_id, hotel.internal_property_id)
            _refuse_other_currency(catalog, chosen)
            return chosen
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
            unit = owned_unit(uow, target.organization_id, unit_input.internal_unit_id)
            if unit.property_id != target.id:
                owner = uow.properties.get(unit.property_id)
                raise InvalidRequest(
                    f"room type {_label(room.name, room.code)}: the unit {unit.name!r} belongs "
                    f"to your property {owner.name!r}, not to {target.name!r}; choose a unit "
                    f"of {target.name!r} or create a new one"
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
            raise InvalidRequest(
                f"room type {_label(room.name, room.code)}: choose a unit or create a new one"
            )
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
            owner = uow.properties.get(plan.property_id)
            if owner.organization_id != target.organization_id:
                raise NotFound("rate plan", plan.id)
            if plan.property_id != target.id:
                raise InvalidRequest(
                    f"rate plan {_label(external.name, external.code)}: your rate plan "
                    f"{plan.name!r} belongs to your property {owner.name!r}, not to "
                    f"{target.name!r}; choose a rate plan of {target.name!r} or create a new one"
                )
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
                f"rate plan {_label(external.name, external.code)}: choose a rate plan or "
                "create a new one"
            )
        return RatePlanMapping(
            id=self._ids.new_id(),
            property_mapping_id=mapping.id,
            internal_rate_plan_id=plan_id,
            external_rate_plan_id=external.code,
            external_rate_plan_name=external.name,
            created_at=self._clock.now(),
        )


def in_other_currency(hotel_currency: str | None, ours: Property) -> bool:
    """Whether ``ours`` keeps rates in another currency than the channel hotel sells in.

    Such a pair cannot work: every rate would be refused by the channel and bookings would
    arrive in a currency the property does not keep. A hotel whose catalog names no currency
    is never told apart (nothing to compare with).
    """
    return hotel_currency is not None and hotel_currency.upper() != ours.currency.upper()


def _refuse_other_currency(catalog: ExternalCatalog, ours: Property) -> None:
    hotel = catalog.property
    if in_other_currency(hotel.currency, ours):
        name = hotel.name or hotel.hotel_code
        raise InvalidRequest(
            f"Booking.com hotel {name!r} sells in {hotel.currency}; your property "
            f"{ours.name!r} keeps rates in {ours.currency}. Choose a property in "
            f"{hotel.currency} or create one."
        )


def _label(name: str | None, code: str) -> str:
    """A channel item as a person knows it: ``'Double Room' (DBL)``, or its code alone."""
    return f"{name!r} ({code})" if name else repr(code)


def _hotel_label(mapping: PropertyMapping) -> str:
    name = mapping.external_property_name
    return f"{name!r} ({mapping.external_property_id})" if name else mapping.external_property_id


def _chosen_twice(pairs: Iterable[tuple[UUID, str]]) -> tuple[UUID, list[str]] | None:
    """The first of our ids chosen for two channel items, with those items' labels."""
    labels: dict[UUID, list[str]] = defaultdict(list)
    for ours, label in pairs:
        labels[ours].append(label)
    return next(((ours, found) for ours, found in labels.items() if len(found) > 1), None)


def _refuse_doubles(
    uow: UnitOfWork,
    properties: Sequence[PropertyMapping],
    units: Sequence[UnitMapping],
    plans: Sequence[RatePlanMapping],
) -> None:
    """``MappingConflict`` naming the property, unit or rate plan chosen more than once."""
    hotels = {p.id: p for p in properties}
    twice = _chosen_twice((p.internal_property_id, _hotel_label(p)) for p in properties)
    if twice is not None:
        name = uow.properties.get(twice[0]).name
        raise MappingConflict(
            f"your property {name!r} is chosen for more than one Booking.com hotel "
            f"({' and '.join(twice[1])}); map each hotel to its own property"
        )
    for hotel in properties:
        rooms = _chosen_twice(
            (u.internal_unit_id, _label(u.external_room_type_name, u.external_room_type_id))
            for u in units
            if u.property_mapping_id == hotel.id
        )
        if rooms is not None:
            name = uow.units.get(rooms[0]).name
            raise MappingConflict(
                f"{_hotel_label(hotels[hotel.id])}: your unit {name!r} is chosen for more than "
                f"one room type ({' and '.join(rooms[1])}); choose a different unit for each, "
                "or create a new one"
            )
        rates = _chosen_twice(
            (r.internal_rate_plan_id, _label(r.external_rate_plan_name, r.external_rate_plan_id))
            for r in plans
            if r.property_mapping_id == hotel.id
        )
        if rates is not None:
            name = uow.rate_plans.get(rates[0]).name
            raise MappingConflict(
                f"{_hotel_label(hotels[hotel.id])}: your rate plan {name!r} is chosen for more "
                f"than one rate plan ({' and '.join(rates[1])}); choose a different rate plan "
                "for each, or create a new one"
            )
