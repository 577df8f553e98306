"""Repair tools for a channel that disagrees with our calendar (CHANNELS.md: "Send everything
again" and a drift check), the use cases behind ``POST /connections/{id}/resync``,
``GET /connections/{id}/drift``, ``channel-manager ari resync`` and ``ari drift``.

Both look at one connection: every unit and rate plan it maps on its hotels whose sync is on,
over a window of at most :data:`MAX_REPAIR_NIGHTS` nights that starts no earlier than the
property's today (a channel takes no ARI for past nights). What the channel should hold is
our calendar's *full state* there (:func:`full_state`): what is left to sell on every night,
and every rate, stay limit, closure and stop-sell that is set (unset values are not sent).

A resync queues that full state to the connection in one transaction through the calendar
publisher, so every value is linked to its push as any calendar change is. The drift check
compares it with what our delivery record says the connection received and, where the
channel can read its ARI back (:class:`~channel_manager.ports.readback.AriReadback`), with
what the channel answers (:mod:`channel_manager.application.drift`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

import attrs

from channel_manager.application.ari import MAX_DAYS_AHEAD
from channel_manager.application.calendar import InvalidWindow
from channel_manager.application.calendar_fanout import (
    CalendarPublisher,
    CellKey,
    Cells,
    Target,
    locked_booked_nights,
    ruled_cells,
    sellable_nights,
)
from channel_manager.application.drift import (
    Difference,
    DriftReport,
    Expected,
    ReadbackState,
    channel_drift,
    delivery_drift,
    expected_values,
    sort_differences,
)
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.outbox import AriOutbox
from channel_manager.application.scoping import active_connection, owned_connection
from channel_manager.domain.ari import DayValues, dates_between
from channel_manager.domain.calendar import MAX_WINDOW_NIGHTS
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import InvalidDateRange
from channel_manager.domain.inventory import local_today
from channel_manager.domain.mapping import PropertyMapping
from channel_manager.ports.channel import ChannelGatewayFactory
from channel_manager.ports.clock import Clock
from channel_manager.ports.readback import AriReadback
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: Most nights one resync or drift check covers (as many as a calendar read).
MAX_REPAIR_NIGHTS = MAX_WINDOW_NIGHTS


@attrs.frozen(kw_only=True)
class ResyncResult:
    """What a resync queued: the pushes carrying ``first_night..last_night`` to the
    connection."""

    connection_id: UUID
    first_night: date
    last_night: date
    push_ids: tuple[UUID, ...]


class ConnectionTargets:
    """Where one connection's values go: the room types its hotels whose sync is on map to
    our units, and the channel's codes of our rate plans on each of those hotels. Unlike
    :class:`~channel_manager.application.calendar_fanout.MappedTargets` it looks at that one
    connection alone, whatever its status (the drift check reads an inactive one too)."""

    def __init__(self, uow: UnitOfWork, connection: Connection) -> None:
        self.mappings: list[PropertyMapping] = [
            mapping
            for mapping in uow.property_mappings.list_by_connection(connection.id)
            if mapping.sync_enabled
        ]
        self._by_unit: dict[UUID, list[Target]] = defaultdict(list)
        self._codes: dict[UUID, dict[UUID, list[str]]] = {}
        for mapping in self.mappings:
            for room in uow.unit_mappings.list_by_property_mapping(mapping.id):
                self._by_unit[room.internal_unit_id].append(
                    Target(connection, mapping, room.internal_unit_id, room.external_room_type_id)
                )
            codes: dict[UUID, list[str]] = defaultdict(list)
            for plan in uow.rate_plan_mappings.list_by_property_mapping(mapping.id):
                codes[plan.internal_rate_plan_id].append(plan.external_rate_plan_id)
            self._codes[mapping.id] = codes

    def unit_ids(self) -> list[UUID]:
        """Every unit mapped, in a stable order."""
        return sorted(self._by_unit, key=str)

    def for_unit(self, unit_id: UUID) -> list[Target]:
        """The room types the unit is mapped to on this connection."""
        return self._by_unit.get(unit_id, [])

    def rate_codes(self, mapping: PropertyMapping, rate_plan_id: UUID) -> list[str]:
        """The channel's codes for our rate plan on one of the connection's hotels."""
        return sorted(self._codes.get(mapping.id, {}).get(rate_plan_id, ()))

    def rate_plan_ids(self, unit_id: UUID) -> list[UUID]:
        """Our rate plans mapped on the hotels where the unit is mapped."""
        plans = {
            plan_id
            for target in self.for_unit(unit_id)
            for plan_id, codes in self._codes[target.mapping.id].items()
            if codes
        }
        return sorted(plans, key=str)


def check_window(start: date, end: date) -> None:
    """Refuse a reversed window or one longer than :data:`MAX_REPAIR_NIGHTS` nights."""
    if end < start:
        raise InvalidWindow(f"'to' ({end}) is before 'from' ({start})")
    nights = (end - start).days + 1
    if nights > MAX_REPAIR_NIGHTS:
        raise InvalidWindow(
            f"at most {MAX_REPAIR_NIGHTS} nights can be repaired at once, "
            f"asked {nights} ({start}..{end})"
        )


def repair_nights(
    uow: UnitOfWork, targets: ConnectionTargets, start: date, end: date, now: datetime
) -> dict[UUID, tuple[date, ...]]:
    """Per mapped unit, the nights of ``start..end`` from its property's today on. ``start``
    may not lie before the earliest today of the connection's properties (time zones differ),
    nor ``end`` more than three years after it."""
    check_window(start, end)
    if not targets.mappings:
        raise InvalidRequest(
            "this connection maps no hotel whose sync is on: there is nothing to compare or send"
        )
    todays = {
        mapping.id: local_today(now, uow.properties.get(mapping.internal_property_id).timezone)
        for mapping in targets.mappings
    }
    earliest = min(todays.values())
    if start < earliest:
        raise InvalidDateRange(
            f"'from' ({start}) is in the past: the property's today is {earliest}, "
            "and a channel takes no rates or availability for past nights"
        )
    latest = earliest + timedelta(days=MAX_DAYS_AHEAD)
    if end > latest:
        raise InvalidDateRange(f"'to' ({end}) is too far ahead: at most {latest}")
    nights: dict[UUID, tuple[date, ...]] = {}
    for unit_id in targets.unit_ids():
        first = max(start, min(todays[t.mapping.id] for t in targets.for_unit(unit_id)))
        if first <= end:
            nights[unit_id] = tuple(dates_between(first, end))
    return nights


def full_state(
    uow: UnitOfWork,
    targets: ConnectionTargets,
    nights: Mapping[UUID, Sequence[date]],
    booked: Mapping[UUID, Mapping[date, int]] | None = None,
) -> Cells:
    """Our calendar's full state on ``nights``: per unit, what is left to sell on every night
    with the unit's own restrictions that are set; per rate plan mapped on the connection,
    its rate and restrictions where any is set. ``booked``: the rooms booked when the caller
    holds them (locked)."""
    if not nights:
        return {}
    first = min(by_unit[0] for by_unit in nights.values())
    last = max(by_unit[-1] for by_unit in nights.values())
    stored: dict[CellKey, dict[date, DayValues]] = defaultdict(dict)
    for night in uow.calendar.window(list(nights), first, last):
        stored[(night.unit_id, night.rate_plan_id)][night.night] = night.values
    left = sellable_nights(uow, nights, booked)
    cells: dict[CellKey, dict[date, DayValues]] = {}
    for unit_id, unit_nights in nights.items():
        own = stored.get((unit_id, None), {})
        cells[(unit_id, None)] = {
            night: attrs.evolve(own.get(night, DayValues()), rate=None, availability=count)
            for night in unit_nights
            for count in (left[unit_id][night],)
        }
        for plan_id in targets.rate_plan_ids(unit_id):
            plan = stored.get((unit_id, plan_id), {})
            by_night = {
                night: values
                for night in unit_nights
                for values in (attrs.evolve(plan.get(night, DayValues()), availability=None),)
                if not values.is_empty
            }
            if by_night:
                cells[(unit_id, plan_id)] = by_night
    return cells


@attrs.frozen
class _Recorded:
    """The database half of a drift check."""

    connection: Connection
    first_night: date
    last_night: date
    expected: tuple[Expected, ...]
    differences: tuple[Difference, ...]
    readable_hotels: tuple[str, ...]


class RepairService:
    """Resync a date range to one connection, and check it for drift."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        outbox: AriOutbox,
        clock: Clock,
        gateways: ChannelGatewayFactory | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._publisher = CalendarPublisher(outbox)
        self._outbox = outbox
        self._clock = clock
        self._gateways = gateways

    def resync(
        self, organization_id: UUID, connection_id: UUID, start: date, end: date
    ) -> ResyncResult:
        """Queue the full state of ``start..end`` to the (active) connection, in one
        transaction; the pushes that carry it."""
        with self._uow_factory() as uow:
            connection = active_connection(uow, organization_id, connection_id)
            targets = ConnectionTargets(uow, connection)
            nights = repair_nights(uow, targets, start, end, self._clock.now())
            # Locked like any write of availability, so a booking committing meanwhile
            # publishes after this, from the count it leaves (see locked_booked_nights).
            booked = locked_booked_nights(uow, nights)
            queued = self._publisher.send(uow, targets, full_state(uow, targets, nights, booked))
            uow.commit()
        messages = queued.get(connection.id, [])
        return ResyncResult(
            connection_id=connection.id,
            first_night=start,
            last_night=end,
            push_ids=tuple(message.id for message in messages),
        )

    async def drift(
        self, organization_id: UUID, connection_id: UUID, start: date, end: date
    ) -> DriftReport:
        """Where the connection may not hold our calendar's values on ``start..end``: by our
        delivery record, and by the channel's own answer when its gateway can read back."""
        recorded = await asyncio.to_thread(
            self._recorded, organization_id, connection_id, start, end
        )
        differences = list(recorded.differences)
        readback = await self._read_back(recorded, differences)
        return DriftReport(
            connection_id=recorded.connection.id,
            channel=recorded.connection.channel,
            first_night=start,
            last_night=end,
            readback=readback,
            differences=sort_differences(differences),
        )

    def _recorded(
        self, organization_id: UUID, connection_id: UUID, start: date, end: date
    ) -> _Recorded:
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            targets = ConnectionTargets(uow, connection)
            nights = repair_nights(uow, targets, start, end, self._clock.now())
            # What the channel should hold is what its rules make of our calendar.
            cells = ruled_cells(uow, connection.id, full_state(uow, targets, nights))
            expected = expected_values(uow, targets, cells, self._outbox.policy(connection))
            links = [
                state
                for state in uow.calendar_pushes.window(list(nights), start, end)
                if state.link.connection_id == connection.id
            ]
            differences = delivery_drift(uow, expected, links)
            hotels = _readable_hotels(uow, connection, targets)
        return _Recorded(connection, start, end, tuple(expected), tuple(differences), hotels)

    async def _read_back(self, recorded: _Recorded, differences: list[Difference]) -> ReadbackState:
        connection = recorded.connection
        if not connection.is_active:
            return ReadbackState.CONNECTION_NOT_ACTIVE
        if self._gateways is None:
            return ReadbackState.NOT_OFFERED
        gateway = self._gateways.for_connection(connection)
        try:
            if not isinstance(gateway, AriReadback):
                return ReadbackState.NOT_OFFERED
            if not recorded.readable_hotels:
                return ReadbackState.HOTEL_NOT_HELD
            for hotel_code in recorded.readable_hotels:
                held = await gateway.read_ari(hotel_code, recorded.first_night, recorded.last_night)
                differences.extend(channel_drift(recorded.expected, hotel_code, held))
        finally:
            await gateway.aclose()
        return ReadbackState.COMPARED


def _readable_hotels(
    uow: UnitOfWork, connection: Connection, targets: ConnectionTargets
) -> tuple[str, ...]:
    """The connection's hotels its gateway may be asked about. A booking-connectivity
    connection runs as our one machine account, which would answer for any hotel connected
    to us: only the hotel it holds a claim on (as ``ClaimScopedGateways`` rules for every
    other call)."""
    codes = sorted({mapping.external_property_id for mapping in targets.mappings})
    if connection.auth_mode is not AuthMode.BOOKING_CONNECTIVITY:
        return tuple(codes)
    held = {
        claim.external_property_id
        for claim in uow.hotel_claims.list_by_connection(connection.id)
        if claim.channel == connection.channel
    }
    account = connection.external_account_id
    return tuple(code for code in codes if code in held and code == account)
