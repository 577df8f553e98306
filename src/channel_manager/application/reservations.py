"""Reservations in: every message, polled or pushed, goes through the ledger, and what it
changes in booked rooms goes back out as availability in the same transaction.

A message is applied alone (:meth:`ReservationIntake.apply`). A polled batch (and a batch of
the push inbox) is applied together (:meth:`ReservationIntake.apply_batch`,
:meth:`ReservationIntake.apply_together`): one transaction, the mappings read once, existing
reservations read and locked in one query, new ones inserted in one statement per table and
availability published once for the batch. The ledger still decides message
by message, in order, so idempotency and order-safety are exactly those of ``apply``.

A pushed reservation is routed by ``(channel, external hotel code)``, never by the code alone:
two channels may use the same code for different properties.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import MutableMapping, Sequence
from uuid import UUID

import attrs

from channel_manager.application.ari import AvailabilityPublisher
from channel_manager.application.reservation_events import emit_overbookings, emit_reservation
from channel_manager.domain.availability import Occupancy, occupancy_delta
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import DomainError
from channel_manager.domain.guest_text import mask_guest_text
from channel_manager.domain.ledger import LedgerOutcome, ReservationLedger
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.clock import IdGenerator
from channel_manager.ports.events import EventSink, NoEvents
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: What applying one message of a batch gave: the ledger's outcome, or why it was not stored.
BatchResult = LedgerOutcome | DomainError

logger = logging.getLogger(__name__)


class UnknownHotel(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """A pushed reservation names a hotel that no active connection of its channel has mapped
    (or holds)."""

    def __init__(self, channel: str, hotel_code: str) -> None:
        super().__init__(f"{channel} hotel {hotel_code!r} is not mapped on any active connection")
        self.channel = channel
        self.hotel_code = hotel_code


class UnknownReservation(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """A pushed message names no hotel, and no active connection of its channel holds its
    reservation."""

    def __init__(self, channel: str, external_id: str) -> None:
        super().__init__(
            f"{channel} reservation {external_id!r} names no hotel and is not known on any "
            "active connection"
        )
        self.channel = channel
        self.external_id = external_id


class ReservationIntake:
    """Applies channel reservation messages, alone or as a batch in one transaction;
    idempotent and order-safe because the ledger decides, so redelivery and reordering are
    harmless.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        ids: IdGenerator,
        availability: AvailabilityPublisher,
        ledger: ReservationLedger | None = None,
        *,
        events: EventSink | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._ids = ids
        self._availability = availability
        self._ledger = ledger or ReservationLedger()
        #: Webhook events (issue 18): what the ledger stored, and overbookings it made.
        self._events = events or NoEvents()

    def apply(self, connection: Connection, message: ChannelReservation) -> LedgerOutcome:
        """Store ``message`` for ``connection`` and queue the availability it changes."""
        with self._uow_factory() as uow:
            outcome = self.apply_in(uow, connection, message)
            uow.commit()
        return outcome

    def apply_in(
        self,
        uow: UnitOfWork,
        connection: Connection,
        message: ChannelReservation,
        links: MappingLookup | None = None,
    ) -> LedgerOutcome:
        """Like :meth:`apply` inside the caller's unit of work (the caller commits).

        ``links``: the connection's mappings as this unit of work has already read them
        (routing a push did), so linking and publishing do not read them again.
        """
        links = links or MappingLookup(uow, connection.id)
        # A card number a guest typed into a remark is masked before anything stores it.
        incoming = mask_guest_text(links.link(connection, message.reservation))
        current = uow.reservations.get_by_external(connection.id, incoming.external_id)
        if current is None:
            incoming = attrs.evolve(incoming, id=self._ids.new_id())
        decision = self._ledger.apply(current, incoming, message.kind)
        if decision.changed and decision.result is not None:
            if current is None:
                uow.reservations.add(decision.result)
            else:
                uow.reservations.update(decision.result)
            delta = occupancy_delta(current, decision.result)
            if delta:
                self._availability.publish(
                    uow, connection.organization_id, delta, links.unit_mappings
                )
            emit_reservation(
                self._events, uow, connection.organization_id, decision.outcome, decision.result
            )
            emit_overbookings(
                self._events, uow, connection.organization_id, delta, (decision.result.id,)
            )
        logger.info(
            "reservation %s on connection %s: %s%s",
            incoming.external_id,
            connection.id,
            decision.outcome.value,
            _flagged(decision.result),
        )
        return decision.outcome

    def apply_batch(
        self, connection: Connection, messages: Sequence[ChannelReservation]
    ) -> list[BatchResult]:
        """Store ``messages`` (in order) in one transaction; one result per message.

        A message the ledger or the mappings refuse is reported and the others are stored.
        If storing the batch together fails (a value too long for its column, say), the
        transaction is rolled back and every message is applied alone with :meth:`apply`,
        so one bad message costs speed, never the others.
        """
        if not messages:
            return []
        with self._uow_factory() as uow:
            try:
                results = self.apply_together(uow, connection, messages)
            except DomainError as error:
                uow.rollback()
                logger.warning(
                    "a batch of %d reservations on connection %s could not be stored together"
                    " (%s); applying them one by one",
                    len(messages),
                    connection.id,
                    error,
                )
            else:
                uow.commit()
                return results
        return [self._apply_alone(connection, message) for message in messages]

    def _apply_alone(self, connection: Connection, message: ChannelReservation) -> BatchResult:
        try:
            return self.apply(connection, message)
        except DomainError as error:
            return error

    def apply_together(
        self,
        uow: UnitOfWork,
        connection: Connection,
        messages: Sequence[ChannelReservation],
        links: MappingLookup | None = None,
    ) -> list[BatchResult]:
        """Like :meth:`apply_batch` inside the caller's unit of work, with no fallback: a
        message refused is reported in its place, a failure to store raises (the caller rolls
        back). ``links``: the connection's mappings as ``uow`` has already read them."""
        links = links or MappingLookup(uow, connection.id)
        stored = uow.reservations.get_many_by_external(
            connection.id, {message.reservation.external_id for message in messages}
        )
        created: dict[str, Reservation] = {}
        changed: dict[str, Reservation] = {}
        delta: Occupancy = Counter()
        results: list[BatchResult] = []
        for message in messages:
            try:
                incoming = mask_guest_text(links.link(connection, message.reservation))
                key = incoming.external_id
                # A reservation may come twice in one batch: the second sees the first.
                current = created.get(key) or changed.get(key) or stored.get(key)
                if current is None:
                    incoming = attrs.evolve(incoming, id=self._ids.new_id())
                decision = self._ledger.apply(current, incoming, message.kind)
            except DomainError as error:
                results.append(error)
                continue
            if decision.changed and decision.result is not None:
                (created if current is None or key in created else changed)[key] = decision.result
                delta.update(occupancy_delta(current, decision.result))
                emit_reservation(
                    self._events, uow, connection.organization_id, decision.outcome, decision.result
                )
            logger.info(
                "reservation %s on connection %s: %s%s",
                key,
                connection.id,
                decision.outcome.value,
                _flagged(decision.result),
            )
            results.append(decision.outcome)
        uow.reservations.add_many(list(created.values()))
        for reservation in changed.values():
            uow.reservations.update(reservation)
        net = Counter({key: change for key, change in delta.items() if change != 0})
        if net:
            self._availability.publish(uow, connection.organization_id, net, links.unit_mappings)
            emit_overbookings(
                self._events,
                uow,
                connection.organization_id,
                net,
                [r.id for r in (*created.values(), *changed.values())],
            )
        return results

    def route_in(
        self,
        uow: UnitOfWork,
        channel: str,
        hotel_code: str,
        lookups: MutableMapping[UUID, MappingLookup] | None = None,
    ) -> Connection:
        """The active connection of ``channel`` that holds or maps ``hotel_code`` (push
        routing). The property mapping routing found is remembered in ``lookups`` (by
        connection, created as needed), for applying in the same unit of work.

        Only connections of ``channel`` are candidates: the same code on another channel is
        another property.
        """
        claim = uow.hotel_claims.find(channel, hotel_code)
        if claim is not None:
            # The hotel's one holder (issue 12): its bookings go there, mapped or not (an
            # unmapped one is stored unattached and flagged, and linked once mapped), never
            # to another organisation that happens to map the same code.
            holder = uow.connections.get(claim.connection_id)
            if holder.is_active:
                for mapping in uow.property_mappings.find_by_hotel_code(hotel_code):
                    if mapping.connection_id == holder.id and lookups is not None:
                        lookups.setdefault(holder.id, MappingLookup(uow, holder.id)).remember(
                            mapping
                        )
                return holder
        candidates = []
        for mapping in uow.property_mappings.find_by_hotel_code(hotel_code):
            connection = uow.connections.get(mapping.connection_id)
            if connection.channel == channel and connection.status is ConnectionStatus.ACTIVE:
                candidates.append((connection, mapping))
        if not candidates:
            # Neither held nor mapped by an active connection of ours: not our hotel. (A
            # connection's account id is not proof of holding: only a claim is.)
            raise UnknownHotel(channel, hotel_code)
        connection, mapping = min(candidates, key=lambda c: (c[0].created_at, str(c[0].id)))
        if lookups is not None:
            lookups.setdefault(connection.id, MappingLookup(uow, connection.id)).remember(mapping)
        return connection

    def route_known_in(self, uow: UnitOfWork, channel: str, external_id: str) -> Connection:
        """The active connection of ``channel`` already holding reservation ``external_id``:
        how a pushed cancellation that carries no rooms (so no HotelCode) finds its way.
        """
        candidates = [
            connection
            for reservation in uow.reservations.find_by_external_id(external_id)
            if (connection := uow.connections.get(reservation.connection_id)).is_active
            and connection.channel == channel
        ]
        if not candidates:
            raise UnknownReservation(channel, external_id)
        return min(candidates, key=lambda c: (c.created_at, str(c.id)))


def _flagged(reservation: Reservation | None) -> str:
    """`` (flagged: code, ...)`` for the log line of a stored reservation that carries flags."""
    if reservation is None or not reservation.flags:
        return ""
    return f" (flagged: {', '.join(flag.code.value for flag in reservation.flags)})"


class MappingLookup:
    """A connection's mappings as one unit of work sees them, read once per hotel: a batch of
    reservations names the same hotel and a few room types over and over.
    """

    def __init__(self, uow: UnitOfWork, connection_id: UUID) -> None:
        self._uow = uow
        self._connection_id = connection_id
        self._hotels: dict[str, PropertyMapping | None] = {}
        self._unit_mappings: dict[UUID, list[UnitMapping]] = {}
        self._units: dict[UUID, dict[str, UUID]] = {}
        self._plans: dict[UUID, dict[str, UUID]] = {}

    def remember(self, mapping: PropertyMapping) -> None:
        """A property mapping of this connection the unit of work has already read."""
        if mapping.connection_id == self._connection_id:
            self._hotels[mapping.external_property_id] = mapping

    def unit_mappings(self, property_mapping_id: UUID) -> list[UnitMapping]:
        """The unit mappings of any property mapping (availability goes to every connection
        of the organisation), read once per unit of work.
        """
        if property_mapping_id not in self._unit_mappings:
            self._unit_mappings[property_mapping_id] = (
                self._uow.unit_mappings.list_by_property_mapping(property_mapping_id)
            )
        return self._unit_mappings[property_mapping_id]

    def hotel(self, hotel_code: str) -> PropertyMapping | None:
        """The property mapping of a channel hotel, if mapped."""
        if hotel_code not in self._hotels:
            self._hotels[hotel_code] = self._uow.property_mappings.find(
                self._connection_id, hotel_code
            )
        return self._hotels[hotel_code]

    def unit(self, mapping: PropertyMapping, room_type: str) -> UUID | None:
        """Our unit for a channel room type of a mapped hotel, if mapped."""
        if mapping.id not in self._units:
            self._units[mapping.id] = {
                m.external_room_type_id: m.internal_unit_id for m in self.unit_mappings(mapping.id)
            }
        return self._units[mapping.id].get(room_type)

    def rate_plan(self, mapping: PropertyMapping, rate_plan: str) -> UUID | None:
        """Our rate plan for a channel rate plan of a mapped hotel, if mapped."""
        if mapping.id not in self._plans:
            self._plans[mapping.id] = {
                m.external_rate_plan_id: m.internal_rate_plan_id
                for m in self._uow.rate_plan_mappings.list_by_property_mapping(mapping.id)
            }
        return self._plans[mapping.id].get(rate_plan)

    def link(self, connection: Connection, reservation: Reservation) -> Reservation:
        """Fill in our ids from the connection's mappings. Unmapped hotels and room types
        stay ``None``: the reservation is kept and flagged, never dropped.
        """
        mapping = self.hotel(reservation.external_property_id)
        if mapping is None:
            unattached = attrs.evolve(
                reservation,
                connection_id=connection.id,
                channel=connection.channel,
                property_id=None,
            )
            return unattached.with_link_flags()
        stays = tuple(
            attrs.evolve(
                stay,
                unit_id=self.unit(mapping, stay.external_room_type_id),
                rate_plan_id=self.rate_plan(mapping, stay.external_rate_plan_id)
                if stay.external_rate_plan_id
                else None,
            )
            for stay in reservation.room_stays
        )
        return attrs.evolve(
            reservation,
            connection_id=connection.id,
            channel=connection.channel,
            property_id=mapping.internal_property_id,
            room_stays=stays,
        ).with_link_flags()


def link_reservation(
    uow: UnitOfWork, connection: Connection, reservation: Reservation
) -> Reservation:
    """Fill in our ids from the connection's mappings (see :meth:`MappingLookup.link`)."""
    return MappingLookup(uow, connection.id).link(connection, reservation)
