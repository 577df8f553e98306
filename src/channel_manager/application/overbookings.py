"""Overbookings across channels: nights on which more rooms of a unit are booked than it has.

iCal cannot prevent every double booking (the other side fetches our export every few hours),
so a clash is never overwritten silently: it is shown as an alert with the clashing
reservations, for a person to move or cancel one. The rooms booked come from the per-night
table (``booked_nights``), the unit's rooms from its physical count (what exists, whatever
rooms to sell the calendar offers); the clashing reservations from the stays on those nights.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from uuid import UUID

import attrs

from channel_manager.application.feed_export import EXPORT_DAYS
from channel_manager.application.scoping import owned_unit
from channel_manager.domain.errors import InvalidDateRange, NotFound
from channel_manager.domain.inventory import Property, Unit, local_today
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: Nights looked at from the start (the property's today): as far as an export reaches.
OVERBOOKING_DAYS = EXPORT_DAYS


@attrs.frozen(kw_only=True)
class OverbookedReservation:
    """One reservation taking a room of an overbooked unit on the alert's nights."""

    id: UUID
    connection_id: UUID
    #: The connection as a person knows it: a calendar's name, a hotel's, else its channel.
    connection_label: str
    channel: str
    external_id: str
    #: ``booking`` or ``block``.
    kind: str
    arrival: date
    departure: date


@attrs.frozen(kw_only=True)
class Overbooking:
    """Nights ``start..end`` (``end`` exclusive) on which ``booked`` rooms of the unit are
    taken while it has ``rooms``, by the same ``reservations``."""

    unit_id: UUID
    unit_name: str
    property_id: UUID
    property_name: str
    start: date
    end: date
    rooms: int
    booked: int
    reservations: tuple[OverbookedReservation, ...]


class OverbookingQuery:
    """Finds the organisation's overbooked nights."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def list(
        self,
        organization_id: UUID,
        *,
        unit_id: UUID | None = None,
        start: date | None = None,
    ) -> builtins.list[Overbooking]:
        """Overbookings from ``start`` (default: each property's today) for
        :data:`OVERBOOKING_DAYS` nights, of one unit (the organisation's, else ``NotFound``)
        or of all, by property, unit and night."""
        if start is not None and start > date.max - timedelta(days=OVERBOOKING_DAYS):
            raise InvalidDateRange(f"start {start} is too far ahead to look for overbookings")
        with self._uow_factory() as uow:
            found: builtins.list[Overbooking] = []
            for prop, unit in _units(uow, organization_id, unit_id):
                first = start or local_today(self._clock.now(), prop.timezone)
                found.extend(_Finder(uow, prop, unit).find(first))
        return found


def _units(
    uow: UnitOfWork, organization_id: UUID, unit_id: UUID | None
) -> Iterator[tuple[Property, Unit]]:
    if unit_id is not None:
        unit = owned_unit(uow, organization_id, unit_id)
        yield uow.properties.get(unit.property_id), unit
        return
    for prop in sorted(uow.properties.list(organization_id), key=lambda p: (p.name, str(p.id))):
        for unit in sorted(uow.units.list_by_property(prop.id), key=lambda u: (u.name, str(u.id))):
            yield prop, unit


class _Finder:
    """One unit's overbooked nights, grouped."""

    def __init__(self, uow: UnitOfWork, prop: Property, unit: Unit) -> None:
        self._uow = uow
        self._prop = prop
        self._unit = unit
        self._labels: dict[tuple[UUID, str], str] = {}

    def find(self, first: date) -> builtins.list[Overbooking]:
        last = first + timedelta(days=OVERBOOKING_DAYS - 1)
        booked = self._uow.booked_nights.window([self._unit.id], first, last).get(self._unit.id, {})
        over = sorted(night for night, rooms in booked.items() if rooms > self._unit.count)
        if not over:
            return []
        stays = self._uow.reservations.list_overlapping(self._unit.id, over[0], over[-1])
        by_night: dict[date, list[Reservation]] = defaultdict(list)
        for reservation in stays:
            for night in _nights_of(reservation, self._unit.id):
                by_night[night].append(reservation)
        alerts: builtins.list[Overbooking] = []
        for night in over:
            clashing = tuple(
                sorted(by_night.get(night, ()), key=lambda r: (r.arrival, r.external_id, str(r.id)))
            )
            ids = tuple(r.id for r in clashing)
            previous = alerts[-1] if alerts else None
            if (
                previous is not None
                and previous.end == night
                and previous.booked == booked[night]
                and tuple(r.id for r in previous.reservations) == ids
            ):
                alerts[-1] = attrs.evolve(previous, end=night + timedelta(days=1))
                continue
            alerts.append(self._alert(night, booked[night], clashing))
        return alerts

    def _alert(self, night: date, booked: int, clashing: Iterable[Reservation]) -> Overbooking:
        return Overbooking(
            unit_id=self._unit.id,
            unit_name=self._unit.name,
            property_id=self._prop.id,
            property_name=self._prop.name,
            start=night,
            end=night + timedelta(days=1),
            rooms=self._unit.count,
            booked=booked,
            reservations=tuple(self._reservation(r) for r in clashing),
        )

    def _reservation(self, reservation: Reservation) -> OverbookedReservation:
        return OverbookedReservation(
            id=reservation.id,
            connection_id=reservation.connection_id,
            connection_label=self._label(reservation),
            channel=reservation.channel,
            external_id=reservation.external_id,
            kind=reservation.kind.value,
            arrival=reservation.arrival,
            departure=reservation.departure,
        )

    def _label(self, reservation: Reservation) -> str:
        """A calendar's name, else the reservation's hotel as mapped (its name or code), else
        the channel."""
        key = (reservation.connection_id, reservation.external_property_id)
        if key not in self._labels:
            label = reservation.channel
            try:
                label = self._uow.calendar_feeds.get(reservation.connection_id).name
            except NotFound:
                hotel = self._uow.property_mappings.find(
                    reservation.connection_id, reservation.external_property_id
                )
                name = (
                    hotel.external_property_name if hotel is not None else None
                ) or reservation.external_property_id
                label = f"{reservation.channel}: {name}"
            self._labels[key] = label
        return self._labels[key]


def _nights_of(reservation: Reservation, unit_id: UUID) -> set[date]:
    """The nights ``reservation`` takes a room of ``unit_id`` (none when cancelled)."""
    if reservation.is_cancelled:
        return set()
    return {
        night for stay in reservation.room_stays if stay.unit_id == unit_id for night in stay.nights
    }
