"""Property sync for mapping: what the channel has, what we mapped, what we suggest."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date
from uuid import UUID

from channel_manager.application.ari import AvailabilityPublisher
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_calendar import live_rooms, opening_calendar
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    HotelView,
    MappingsInput,
    RatePlanView,
    RoomTypeView,
)
from channel_manager.application.mapping_writer import MappingWriter, in_other_currency
from channel_manager.application.reservations import link_reservation
from channel_manager.application.scoping import active_connection, owned_connection
from channel_manager.domain.availability import occupancy_delta
from channel_manager.domain.channel import ExternalCatalog
from channel_manager.domain.connection import Connection
from channel_manager.domain.inventory import Property
from channel_manager.domain.mapping import (
    name_similarity,
    suggest_rate_plan_mappings,
    suggest_unit_mappings,
)
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.channel import CatalogSources
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: Below this name similarity a property is not suggested for a channel hotel.
_PROPERTY_SUGGESTION_THRESHOLD = 0.6
#: Reservations read per query when linking a hotel's backlog after its mapping changed.
RELINK_PAGE = 500


class MappingService:
    """Lists a connection's channel hotels beside our properties (with suggestions) and
    saves confirmed mappings after validating them against the channel's catalog.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateways: CatalogSources,
        availability: AvailabilityPublisher,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateways = gateways
        self._availability = availability
        self._clock = clock
        self._writer = MappingWriter(clock, ids)

    async def catalogs(self, connection: Connection) -> list[ExternalCatalog]:
        """Every hotel of the connection with its room types and rate plans (live)."""
        gateway = self._gateways.for_connection(connection)
        try:
            hotels = [hotel async for hotel in gateway.list_properties()]
            return [await gateway.get_catalog(hotel.hotel_code) for hotel in hotels]
        finally:
            await gateway.aclose()

    async def discover(self, organization_id: UUID, connection_id: UUID) -> list[HotelView]:
        """The channel's hotels, room types and rate plans with mapping state and suggestions."""
        connection = await asyncio.to_thread(self._owned, organization_id, connection_id)
        catalogs = await self.catalogs(connection)
        return await asyncio.to_thread(self._hotel_views, organization_id, connection, catalogs)

    def mapped(self, organization_id: UUID, connection_id: UUID) -> list[HotelView]:
        """The connection's mapped hotels with their mapped rooms and rate plans, from our
        own records only (no channel call): what rate and availability screens need.
        """
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            views = []
            for mapping in uow.property_mappings.list_by_connection(connection.id):
                units = uow.unit_mappings.list_by_property_mapping(mapping.id)
                plans = uow.rate_plan_mappings.list_by_property_mapping(mapping.id)
                ours = uow.properties.get(mapping.internal_property_id)
                views.append(
                    HotelView(
                        hotel_code=mapping.external_property_id,
                        name=mapping.external_property_name,
                        currency=ours.currency,
                        timezone=ours.timezone,
                        property_mapping_id=mapping.id,
                        internal_property_id=mapping.internal_property_id,
                        sync_enabled=mapping.sync_enabled,
                        room_types=tuple(
                            RoomTypeView(
                                code=unit.external_room_type_id,
                                name=unit.external_room_type_name,
                                max_occupancy=None,
                                mapped_unit_id=unit.internal_unit_id,
                            )
                            for unit in units
                        ),
                        rate_plans=tuple(
                            RatePlanView(
                                code=plan.external_rate_plan_id,
                                name=plan.external_rate_plan_name,
                                mapped_rate_plan_id=plan.internal_rate_plan_id,
                            )
                            for plan in plans
                        ),
                    )
                )
        return views

    def _owned(self, organization_id: UUID, connection_id: UUID) -> Connection:
        """The connection, if it may talk to the channel (``ConnectionNotActive`` if not:
        a revoked connection's hotel may be held by another organisation now)."""
        with self._uow_factory() as uow:
            return active_connection(uow, organization_id, connection_id)

    def _hotel_views(
        self, organization_id: UUID, connection: Connection, catalogs: list[ExternalCatalog]
    ) -> list[HotelView]:
        with self._uow_factory() as uow:
            properties = uow.properties.list(organization_id)
            return [self._hotel_view(uow, connection, catalog, properties) for catalog in catalogs]

    def _hotel_view(
        self,
        uow: UnitOfWork,
        connection: Connection,
        catalog: ExternalCatalog,
        properties: list[Property],
    ) -> HotelView:
        hotel = catalog.property
        mapping = uow.property_mappings.find(connection.id, hotel.hotel_code)
        target = (
            mapping.internal_property_id
            if mapping
            else _suggest_property(hotel.name, hotel.currency, properties)
        )
        units = uow.units.list_by_property(target) if target else []
        plans = uow.rate_plans.list_by_property(target) if target else []
        unit_map = (
            {
                m.external_room_type_id: m.internal_unit_id
                for m in uow.unit_mappings.list_by_property_mapping(mapping.id)
            }
            if mapping
            else {}
        )
        plan_map = (
            {
                m.external_rate_plan_id: m.internal_rate_plan_id
                for m in uow.rate_plan_mappings.list_by_property_mapping(mapping.id)
            }
            if mapping
            else {}
        )
        unit_hints = {s.external_id: s for s in suggest_unit_mappings(catalog.room_types, units)}
        plan_hints = {
            s.external_id: s for s in suggest_rate_plan_mappings(catalog.rate_plans, plans)
        }
        rooms = tuple(
            RoomTypeView(
                code=room.code,
                name=room.name,
                max_occupancy=room.max_occupancy,
                mapped_unit_id=unit_map.get(room.code),
                suggested_unit_id=unit_hints[room.code].internal_id
                if room.code in unit_hints
                else None,
                suggestion_score=unit_hints[room.code].score if room.code in unit_hints else None,
            )
            for room in catalog.room_types
        )
        rates = tuple(
            RatePlanView(
                code=plan.code,
                name=plan.name,
                mapped_rate_plan_id=plan_map.get(plan.code),
                suggested_rate_plan_id=plan_hints[plan.code].internal_id
                if plan.code in plan_hints
                else None,
            )
            for plan in catalog.rate_plans
        )
        return HotelView(
            hotel_code=hotel.hotel_code,
            name=hotel.name,
            currency=hotel.currency,
            property_mapping_id=mapping.id if mapping else None,
            internal_property_id=mapping.internal_property_id if mapping else None,
            suggested_property_id=None if mapping else target,
            sync_enabled=mapping.sync_enabled if mapping else False,
            room_types=rooms,
            rate_plans=rates,
        )

    async def save(
        self, organization_id: UUID, connection_id: UUID, request: MappingsInput
    ) -> list[HotelView]:
        """Validate ``request`` against the channel's catalog and our inventory, then store
        it in one transaction; answer with the new mapping state of every hotel.
        """
        if not request.hotels:
            raise InvalidRequest("no hotels to map")
        connection = await asyncio.to_thread(self._owned, organization_id, connection_id)
        fetched = await self.catalogs(connection)
        catalogs = {c.property.hotel_code: c for c in fetched}
        await asyncio.to_thread(self._write, connection, catalogs, request)
        # The new mapping state over the catalogs already fetched (no second channel round).
        return await asyncio.to_thread(self._hotel_views, organization_id, connection, fetched)

    def _write(
        self, connection: Connection, catalogs: dict[str, ExternalCatalog], request: MappingsInput
    ) -> None:
        """Store every hotel of ``request`` in one transaction, link what now can be, and
        send the opening calendar of every room that now goes out for the first time."""
        codes = [hotel.external_property_id for hotel in request.hotels]
        with self._uow_factory() as uow:
            before = {code: live_rooms(uow, connection, code) for code in codes}
            for hotel in request.hotels:
                catalog = _catalog_for(catalogs, hotel)
                self._writer.write(uow, connection, catalog, hotel)
            self._writer.validate(uow, connection)
            now = self._clock.now()
            calendars = [
                opening_calendar(uow, connection, code, before[code], now) for code in codes
            ]
            # Nights an opening calendar sends need no separate update for a linked booking.
            covered = set().union(*(calendar.covers() for calendar in calendars))
            for code in codes:
                self._relink(uow, connection, code, covered)
            for calendar in calendars:
                if calendar.units:
                    self._availability.publish_calendar(
                        uow, connection, calendar.mapping, calendar.units, calendar.nights
                    )
            uow.commit()

    def _relink(
        self,
        uow: UnitOfWork,
        connection: Connection,
        hotel_code: str,
        covered: set[tuple[UUID, date]],
    ) -> None:
        """Link reservations that arrived while their hotel or room type was unmapped; the
        rooms they now occupy go out as availability like any new booking's (unless an
        opening calendar, ``covered``, sends those nights anyway).
        """
        for reservation in _unlinked(uow, connection.id, hotel_code):
            linked = link_reservation(uow, connection, reservation)
            if linked == reservation:
                continue
            uow.reservations.update(linked)
            delta = occupancy_delta(reservation, linked)
            # Counted either way; sent here only where no opening calendar sends the night.
            sent_anyway = Counter({key: rooms for key, rooms in delta.items() if key in covered})
            self._availability.record(uow, sent_anyway)
            rest = Counter({key: rooms for key, rooms in delta.items() if key not in covered})
            if rest:
                self._availability.publish(uow, connection.organization_id, rest)


def _unlinked(uow: UnitOfWork, connection_id: UUID, hotel_code: str) -> Iterator[Reservation]:
    """The hotel's reservations not fully linked, a page at a time (by arrival, then id): a
    hotel mapped after months of bookings may have a large backlog, never read all at once."""
    after: tuple[date, UUID] | None = None
    while page := uow.reservations.list_unlinked(
        connection_id, hotel_code, after=after, limit=RELINK_PAGE
    ):
        yield from page
        after = (page[-1].arrival, page[-1].id)


def _catalog_for(catalogs: dict[str, ExternalCatalog], hotel: HotelMappingInput) -> ExternalCatalog:
    try:
        return catalogs[hotel.external_property_id]
    except KeyError:
        raise InvalidRequest(
            f"hotel {hotel.external_property_id!r} is not available on this connection"
        ) from None


def _suggest_property(
    name: str | None, currency: str | None, properties: list[Property]
) -> UUID | None:
    """Our property whose name is closest to the hotel's, among those in the hotel's
    currency only (one in another currency could not be saved); none below the threshold."""
    scored = [
        (name_similarity(name, p.name), str(p.id), p.id)
        for p in properties
        if not in_other_currency(currency, p)
    ]
    best = max(scored, default=None)
    if best is None or best[0] < _PROPERTY_SUGGESTION_THRESHOLD:
        return None
    return best[2]
