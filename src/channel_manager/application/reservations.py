"""Reservations in: every message, polled or pushed, goes through the ledger in one
transaction, and what it changes in booked rooms goes back out as availability.
"""

from __future__ import annotations

import logging

import attrs

from channel_manager.application.ari import AvailabilityPublisher
from channel_manager.domain.availability import occupancy_delta
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import DomainError
from channel_manager.domain.ledger import LedgerOutcome, ReservationLedger
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.clock import IdGenerator
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)


class UnknownHotel(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """A pushed reservation names a hotel that no active connection has mapped."""

    def __init__(self, hotel_code: str) -> None:
        super().__init__(f"hotel {hotel_code!r} is not mapped on any active connection")
        self.hotel_code = hotel_code


class UnknownReservation(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """A pushed message names no hotel, and no active connection holds its reservation."""

    def __init__(self, external_id: str) -> None:
        super().__init__(
            f"reservation {external_id!r} names no hotel and is not known on any active connection"
        )
        self.external_id = external_id


class ReservationIntake:
    """Applies one channel reservation message per transaction; idempotent and order-safe
    because the ledger decides, so redelivery and reordering are harmless.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        ids: IdGenerator,
        availability: AvailabilityPublisher,
        ledger: ReservationLedger | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._ids = ids
        self._availability = availability
        self._ledger = ledger or ReservationLedger()

    def apply(self, connection: Connection, message: ChannelReservation) -> LedgerOutcome:
        """Store ``message`` for ``connection`` and queue the availability it changes."""
        with self._uow_factory() as uow:
            outcome = self.apply_in(uow, connection, message)
            uow.commit()
        return outcome

    def apply_in(
        self, uow: UnitOfWork, connection: Connection, message: ChannelReservation
    ) -> LedgerOutcome:
        """Like :meth:`apply` inside the caller's unit of work (the caller commits)."""
        incoming = link_reservation(uow, connection, message.reservation)
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
                self._availability.publish(uow, connection.organization_id, delta)
        logger.info(
            "reservation %s on connection %s: %s",
            incoming.external_id,
            connection.id,
            decision.outcome.value,
        )
        return decision.outcome

    def route(self, hotel_code: str) -> Connection:
        """The active connection whose property mapping holds ``hotel_code`` (push routing)."""
        with self._uow_factory() as uow:
            candidates = []
            for mapping in uow.property_mappings.find_by_hotel_code(hotel_code):
                connection = uow.connections.get(mapping.connection_id)
                if connection.status is ConnectionStatus.ACTIVE:
                    candidates.append(connection)
        if not candidates:
            raise UnknownHotel(hotel_code)
        return min(candidates, key=lambda c: (c.created_at, str(c.id)))

    def route_known(self, external_id: str) -> Connection:
        """The active connection already holding reservation ``external_id``: how a pushed
        cancellation that carries no rooms (so no HotelCode) finds its way.
        """
        with self._uow_factory() as uow:
            candidates = [
                connection
                for reservation in uow.reservations.find_by_external_id(external_id)
                if (connection := uow.connections.get(reservation.connection_id)).is_active
            ]
        if not candidates:
            raise UnknownReservation(external_id)
        return min(candidates, key=lambda c: (c.created_at, str(c.id)))


def link_reservation(
    uow: UnitOfWork, connection: Connection, reservation: Reservation
) -> Reservation:
    """Fill in our ids from the connection's mappings. Unmapped hotels and room types stay
    ``None``: the reservation is kept and flagged, never dropped.
    """
    mapping = uow.property_mappings.find(connection.id, reservation.external_property_id)
    if mapping is None:
        return attrs.evolve(reservation, connection_id=connection.id, property_id=None)
    stays = []
    for stay in reservation.room_stays:
        unit = uow.unit_mappings.find(mapping.id, stay.external_room_type_id)
        plan = (
            uow.rate_plan_mappings.find(mapping.id, stay.external_rate_plan_id)
            if stay.external_rate_plan_id
            else None
        )
        stays.append(
            attrs.evolve(
                stay,
                unit_id=unit.internal_unit_id if unit else None,
                rate_plan_id=plan.internal_rate_plan_id if plan else None,
            )
        )
    return attrs.evolve(
        reservation,
        connection_id=connection.id,
        property_id=mapping.internal_property_id,
        room_stays=tuple(stays),
    )
