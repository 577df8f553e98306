"""Our calendar out: what changes in it (values set, rooms booked) goes to every connection
where the unit, and the rate plan, is mapped, in the caller's transaction.

Availability goes out as what is left to sell (:func:`~channel_manager.domain.calendar.sellable`:
the rooms to sell set for the night, or the unit's count, minus the rooms booked), never as
the rooms to sell themselves. Every value queued is linked to its push per connection,
unit, rate plan, night and field (``calendar_pushes``), which is how the calendar tells what
each channel has received.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Protocol
from uuid import UUID

import attrs

from channel_manager.application.outbox import AriOutbox
from channel_manager.domain.ari import (
    AriChangeSetBuilder,
    AriKey,
    AvailRange,
    DayValues,
    dates_between,
)
from channel_manager.domain.availability import Occupancy
from channel_manager.domain.calendar import (
    CalendarField,
    CalendarNight,
    CalendarPushLink,
    sellable,
)
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.connection_rules import ConnectionRules, apply_rules
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.domain.sync import OutboundMessage
from channel_manager.ports.repositories import UnitOfWork

#: A property mapping's unit mappings by its id (the repository's, or a unit of work's cache).
UnitMappingReader = Callable[[UUID], Sequence[UnitMapping]]
#: Where a calendar value lives: our unit, and our rate plan (``None``: the unit level).
CellKey = tuple[UUID, UUID | None]
#: Values to send per cell and night (availability already the sellable count).
Cells = Mapping[CellKey, Mapping[date, DayValues]]
#: The queued pushes per connection id.
Queued = dict[UUID, list[OutboundMessage]]


@attrs.frozen
class Target:
    """Where a unit's values go: a channel room type of a mapped hotel on an active
    connection."""

    connection: Connection
    mapping: PropertyMapping
    unit_id: UUID
    room_type_code: str


class MappedTargets:
    """The organisation's active connections' room type mappings, read once per unit of work,
    and the channel rate plan codes of our rate plans per hotel, read when first needed.

    Hotels whose sync is off receive nothing, except those named in ``include`` (a push
    explicitly made for that connection).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        unit_mappings: UnitMappingReader | None = None,
        include: Collection[UUID] = (),
    ) -> None:
        self._uow = uow
        reader = unit_mappings or uow.unit_mappings.list_by_property_mapping
        self._by_unit: dict[UUID, list[Target]] = defaultdict(list)
        for connection in uow.connections.list(organization_id, ConnectionStatus.ACTIVE):
            for mapping in uow.property_mappings.list_by_connection(connection.id):
                if not (mapping.sync_enabled or mapping.id in include):
                    continue
                for unit_mapping in reader(mapping.id):
                    self._by_unit[unit_mapping.internal_unit_id].append(
                        Target(
                            connection,
                            mapping,
                            unit_mapping.internal_unit_id,
                            unit_mapping.external_room_type_id,
                        )
                    )
        self._rate_codes: dict[UUID, dict[UUID, list[str]]] = {}

    def for_unit(self, unit_id: UUID) -> list[Target]:
        """Every channel room type the unit is mapped to."""
        return self._by_unit.get(unit_id, [])

    def rate_codes(self, mapping: PropertyMapping, rate_plan_id: UUID) -> list[str]:
        """The channel's codes for our rate plan on one mapped hotel (usually one, maybe none)."""
        if mapping.id not in self._rate_codes:
            codes: dict[UUID, list[str]] = defaultdict(list)
            for plan in self._uow.rate_plan_mappings.list_by_property_mapping(mapping.id):
                codes[plan.internal_rate_plan_id].append(plan.external_rate_plan_id)
            self._rate_codes[mapping.id] = codes
        return sorted(self._rate_codes[mapping.id].get(rate_plan_id, ()))


class TargetSource(Protocol):
    """Where cells of a unit go (:meth:`CalendarPublisher.send`)."""

    def for_unit(self, unit_id: UUID) -> list[Target]:
        """Every channel room type the unit's values go to."""
        ...

    def rate_codes(self, mapping: PropertyMapping, rate_plan_id: UUID) -> list[str]:
        """The channel's codes for our rate plan on one mapped hotel."""
        ...


class OnlyTheseTargets:
    """Exactly the room types given, and no rate plans: one hotel's rooms whose availability
    goes out on its own (a newly mapped room's opening calendar)."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self._by_unit: dict[UUID, list[Target]] = defaultdict(list)
        for target in targets:
            self._by_unit[target.unit_id].append(target)

    def for_unit(self, unit_id: UUID) -> list[Target]:
        """The given room types of the unit."""
        return self._by_unit.get(unit_id, [])

    def rate_codes(self, mapping: PropertyMapping, rate_plan_id: UUID) -> list[str]:  # noqa: ARG002
        """None: these targets carry unit-level values only."""
        return []


#: Which calendar field each availability message field carries.
_AVAIL_FIELDS = (
    ("booking_limit", CalendarField.AVAILABILITY),
    ("min_los", CalendarField.MIN_STAY),
    ("max_los", CalendarField.MAX_STAY),
    ("closed_to_arrival", CalendarField.CLOSED_TO_ARRIVAL),
    ("closed_to_departure", CalendarField.CLOSED_TO_DEPARTURE),
    ("stop_sell", CalendarField.STOP_SELL),
)


def _links(
    message: OutboundMessage, owners: Mapping[tuple[UUID, AriKey], CellKey]
) -> Iterator[CalendarPushLink]:
    """One link per night and field that ``message`` carries for one of our cells."""
    payload = message.payload
    for item in payload.items:
        key = AriKey(payload.hotel_code, item.room_type_code, item.rate_plan_code)
        owner = owners.get((message.connection_id, key))
        if owner is None:
            continue
        if isinstance(item, AvailRange):
            fields = [field for name, field in _AVAIL_FIELDS if getattr(item, name) is not None]
        else:
            fields = [CalendarField.RATE]
        unit_id, rate_plan_id = owner
        for night in dates_between(item.start, item.end):
            for field in fields:
                yield CalendarPushLink(
                    message.connection_id, unit_id, rate_plan_id, night, field, message.id
                )


class CalendarPublisher:
    """Stores calendar values and fans them out; records rooms booked and publishes what is
    left to sell. Everything happens in the caller's unit of work (the caller commits)."""

    def __init__(self, outbox: AriOutbox) -> None:
        self._outbox = outbox

    def write(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        nights: Iterable[CalendarNight],
        include: Collection[UUID] = (),
    ) -> Queued:
        """Store ``nights`` (a later one overriding the fields an earlier one set on the same
        night), then send the fields they set to every mapped connection; the pushes queued
        per connection. ``include``: property mappings to send to even if their sync is off.
        """
        merged: dict[CellKey, dict[date, DayValues]] = defaultdict(dict)
        for night in nights:
            by_night = merged[(night.unit_id, night.rate_plan_id)]
            by_night[night.night] = by_night.get(night.night, DayValues()).merged(night.values)
        offered = {
            unit_id: [
                night for night, values in by_night.items() if values.availability is not None
            ]
            for (unit_id, rate_plan_id), by_night in merged.items()
            if rate_plan_id is None
        }
        offered = {unit_id: nights for unit_id, nights in offered.items() if nights}
        # Booked nights are locked before calendar rows on every path (a booking locks only
        # the former), so two writers never wait for each other in opposite orders.
        booked = locked_booked_nights(uow, offered)
        uow.calendar.merge(
            [
                CalendarNight(unit_id, rate_plan_id, night, values)
                for (unit_id, rate_plan_id), by_night in merged.items()
                for night, values in by_night.items()
            ]
        )
        left = sellable_nights(uow, offered, booked)
        cells = {
            key: {
                night: values
                if values.availability is None
                else attrs.evolve(values, availability=left[key[0]][night])
                for night, values in by_night.items()
            }
            for key, by_night in merged.items()
        }
        return self.send(uow, MappedTargets(uow, organization_id, include=include), cells)

    def booked_changed(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        delta: Occupancy,
        unit_mappings: UnitMappingReader | None = None,
    ) -> int:
        """Add ``delta`` to the rooms booked per night, then send what is left to sell on
        those nights of every mapped unit; how many pushes were queued."""
        if not delta:
            return 0
        booked = uow.booked_nights.add(delta)
        targets = MappedTargets(uow, organization_id, unit_mappings)
        nights_by_unit: dict[UUID, dict[date, int]] = defaultdict(dict)
        for (unit_id, night), rooms in booked.items():
            if targets.for_unit(unit_id):
                nights_by_unit[unit_id][night] = rooms
        if not nights_by_unit:
            return 0
        left = sellable_nights(uow, nights_by_unit, nights_by_unit)
        values: dict[int, DayValues] = {}  # one per count: a batch repeats a few counts
        cells: dict[CellKey, dict[date, DayValues]] = {
            (unit_id, None): {
                night: values.get(count) or values.setdefault(count, DayValues(availability=count))
                for night, count in sorted(by_night.items())
            }
            for unit_id, by_night in left.items()
        }
        return sum(len(queued) for queued in self.send(uow, targets, cells).values())

    def send(self, uow: UnitOfWork, targets: TargetSource, cells: Cells) -> Queued:
        """Queue ``cells`` to every connection mapping their unit (and rate plan), one change
        set per connection (so a hotel-month is one request), and link every value to its
        push. Each connection is sent the values as its rules make them
        (:func:`~channel_manager.domain.connection_rules.apply_rules`: its markup, its cap,
        its stop-sell): every path that sends our calendar to a channel comes through here."""
        builders: dict[UUID, tuple[Connection, AriChangeSetBuilder]] = {}
        owners: dict[tuple[UUID, AriKey], CellKey] = {}
        rules = _RulesOf(uow)
        for (unit_id, rate_plan_id), by_night in cells.items():
            for target in targets.for_unit(unit_id):
                codes: Sequence[str | None] = (
                    [None]
                    if rate_plan_id is None
                    else targets.rate_codes(target.mapping, rate_plan_id)
                )
                _, builder = builders.setdefault(
                    target.connection.id, (target.connection, AriChangeSetBuilder())
                )
                sent = rules.sent(target.connection.id, by_night) if codes else by_night
                for code in codes:
                    key = AriKey(target.mapping.external_property_id, target.room_type_code, code)
                    owners[(target.connection.id, key)] = (unit_id, rate_plan_id)
                    for night, values in sent.items():
                        builder.set_values(key, night, night, values)
        queued: Queued = {}
        links: list[CalendarPushLink] = []
        for connection_id, (connection, builder) in builders.items():
            messages = self._outbox.queue(uow, connection, builder.build())
            if messages:
                queued[connection_id] = messages
            for message in messages:
                links.extend(_links(message, owners))
        uow.calendar_pushes.link(links)
        return queued


class _RulesOf:
    """The connections' rules as one send needs them: read once per connection (the
    repository keeps them for the unit of work), and each cell's nights ruled once per
    connection however many room types of it the unit is mapped to."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._rules: dict[UUID, ConnectionRules] = {}
        self._ruled: dict[tuple[UUID, int], Mapping[date, DayValues]] = {}

    def sent(
        self, connection_id: UUID, by_night: Mapping[date, DayValues]
    ) -> Mapping[date, DayValues]:
        """``by_night`` as the connection is sent it."""
        key = (connection_id, id(by_night))
        if key not in self._ruled:
            rules = self._rules.get(connection_id)
            if rules is None:
                rules = self._rules[connection_id] = self._uow.connection_rules.get(connection_id)
            self._ruled[key] = (
                by_night
                if rules.is_neutral
                else {night: apply_rules(rules, values) for night, values in by_night.items()}
            )
        return self._ruled[key]


def ruled_cells(uow: UnitOfWork, connection_id: UUID, cells: Cells) -> Cells:
    """``cells`` as the connection is sent them (its rules applied): what it should hold."""
    rules = _RulesOf(uow)
    return {key: rules.sent(connection_id, by_night) for key, by_night in cells.items()}


def sellable_nights(
    uow: UnitOfWork,
    nights_by_unit: Mapping[UUID, Collection[date]],
    booked: Mapping[UUID, Mapping[date, int]] | None = None,
) -> dict[UUID, dict[date, int]]:
    """Rooms left to sell per unit and night: the rooms to sell set (else the unit's count)
    minus the rooms booked, read from the per-night tables (never from reservations);
    ``booked``: the counts when the caller already has them."""
    if not nights_by_unit:
        return {}
    if booked is None:
        booked = uow.booked_nights.booked(nights_by_unit)
    offered = uow.calendar.rooms_to_sell(nights_by_unit)
    counts = _unit_counts(uow, nights_by_unit)
    return {
        unit_id: {
            night: sellable(offered[unit_id].get(night), counts[unit_id], booked[unit_id][night])
            for night in nights
        }
        for unit_id, nights in nights_by_unit.items()
    }


def locked_booked_nights(
    uow: UnitOfWork, nights_by_unit: Mapping[UUID, Collection[date]]
) -> dict[UUID, dict[date, int]]:
    """The rooms booked on the nights, their rows locked until the unit of work ends (adding
    nothing is an upsert that locks them, created at 0 when missing): a booking of one of
    these nights committing meanwhile waits, then publishes from the rooms to sell this unit
    of work stores, instead of both publishing from what the other had not committed yet."""
    counts = uow.booked_nights.add(
        {(unit_id, night): 0 for unit_id, nights in nights_by_unit.items() for night in nights}
    )
    booked: dict[UUID, dict[date, int]] = {unit_id: {} for unit_id in nights_by_unit}
    for (unit_id, night), rooms in counts.items():
        booked[unit_id][night] = rooms
    return booked


def _unit_counts(uow: UnitOfWork, unit_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Room counts of the units: one read per property."""
    counts: dict[UUID, int] = {}
    for unit_id in unit_ids:
        if unit_id not in counts:
            unit = uow.units.get(unit_id)
            counts.update((u.id, u.count) for u in uow.units.list_by_property(unit.property_id))
    return counts
