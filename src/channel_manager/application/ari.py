"""Rates, availability and restrictions out: change sets become outbox rows in the caller's
transaction; the dispatcher delivers them later.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import attrs

from channel_manager.application.errors import ConnectionNotActive, InvalidRequest
from channel_manager.application.scoping import owned_connection
from channel_manager.domain.ari import AriChangeSet, AriChangeSetBuilder, AriKey, compress
from channel_manager.domain.availability import Occupancy, derive_availability
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import (
    InvalidDateRange,
    InvalidMoney,
    UnknownRatePlan,
    UnknownRoomType,
)
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.domain.money import Money, decimals_rule, minor_units
from channel_manager.domain.sync import OutboundMessage, outbound_kind
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory


@attrs.frozen(kw_only=True)
class AriChangeInput:
    """One change over ``start..end`` (inclusive) for a channel room type (and rate plan).

    ``None`` leaves a value unchanged. ``rate`` is a decimal string in the hotel's currency.
    """

    hotel_code: str
    room_type_code: str
    rate_plan_code: str | None = None
    start: date
    end: date
    availability: int | None = None
    rate: str | None = None
    min_los: int | None = None
    max_los: int | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    stop_sell: bool | None = None


class AriOutbox:
    """Turns change sets into the fewest OTA requests and queues them as outbox rows."""

    def __init__(self, clock: Clock, ids: IdGenerator, max_attempts: int) -> None:
        self._clock = clock
        self._ids = ids
        self._max_attempts = max_attempts

    def queue(
        self, uow: UnitOfWork, connection: Connection, change_set: AriChangeSet
    ) -> list[OutboundMessage]:
        """Add one outbox row per compressed request, inside the caller's unit of work."""
        now = self._clock.now()
        queued = []
        for request in compress(change_set):
            message_id = self._ids.new_id()
            message = OutboundMessage(
                id=message_id,
                connection_id=connection.id,
                hotel_code=request.hotel_code,
                kind=outbound_kind(request),
                payload=request,
                idempotency_key=_idempotency_key(message_id, request),
                ordering_key=f"{connection.id}:{request.hotel_code}",
                max_attempts=self._max_attempts,
                next_attempt_at=now,
                created_at=now,
            )
            uow.outbound.add(message)
            queued.append(message)
        return queued


def _idempotency_key(message_id: UUID, request: object) -> str:
    digest = hashlib.sha256(repr(request).encode()).hexdigest()[:16]
    return f"{message_id}:{digest}"


#: How far ahead ARI may be set (Booking.com wants at least 12 months loaded; beyond three
#: years a change is almost surely a typo and would only flood the outbox).
MAX_DAYS_AHEAD = 3 * 366
#: Hotel-local "today" can be yesterday in UTC terms, so one day back is allowed.
MAX_DAYS_BACK = 1


class AriService:
    """The use case behind ``POST /connections/{id}/ari`` and ``channel-manager ari push``."""

    def __init__(self, uow_factory: UnitOfWorkFactory, outbox: AriOutbox, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._outbox = outbox
        self._clock = clock

    def check_dates(self, change: AriChangeInput) -> None:
        """Refuse a range that ends before it starts or lies outside the window ARI may be set
        for (a preview uses it too, so it never promises what a push would refuse)."""
        today = self._clock.now().date()
        earliest = today - timedelta(days=MAX_DAYS_BACK)
        latest = today + timedelta(days=MAX_DAYS_AHEAD)
        if change.end < change.start:
            raise InvalidDateRange(f"range end {change.end} is before its start {change.start}")
        if change.start < earliest or change.end > latest:
            raise InvalidDateRange(
                f"dates must lie between {earliest} and {latest}, got {change.start}..{change.end}"
            )

    def preview(self, change: AriChangeInput, currency: str) -> AriChangeSet:
        """The change set :meth:`submit` would queue for ``change`` in the hotel's
        ``currency``, checked on the same path (dates, rate), so a preview never shows what a
        push would refuse. Mappings are the caller's to offer: it lists only mapped rooms."""
        builder = AriChangeSetBuilder()
        self._add(builder, change, currency)
        return builder.build()

    def _add(self, builder: AriChangeSetBuilder, change: AriChangeInput, currency: str) -> None:
        """The one place a change is checked and added, for the preview and the push alike."""
        self.check_dates(change)
        if change.rate is not None and change.rate_plan_code is None:
            raise InvalidRequest("a rate needs a rate plan code")
        builder.set(
            AriKey(change.hotel_code, change.room_type_code, change.rate_plan_code),
            change.start,
            change.end,
            availability=change.availability,
            rate=checked_rate(change.rate, currency) if change.rate is not None else None,
            min_los=change.min_los,
            max_los=change.max_los,
            closed_to_arrival=change.closed_to_arrival,
            closed_to_departure=change.closed_to_departure,
            stop_sell=change.stop_sell,
        )

    def submit(
        self, organization_id: UUID, connection_id: UUID, changes: Sequence[AriChangeInput]
    ) -> list[OutboundMessage]:
        """Validate ``changes`` against the connection's mappings and queue them."""
        if not changes:
            raise InvalidRequest("no changes given")
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            if connection.status is not ConnectionStatus.ACTIVE:
                raise ConnectionNotActive(
                    f"this connection is {connection.status.value}, not active"
                )
            builder = AriChangeSetBuilder()
            for change in changes:
                self._add(builder, change, _check_mapped(uow, connection, change))
            queued = self._outbox.queue(uow, connection, builder.build())
            uow.commit()
        return queued


#: No room sells for a billion a night; bigger numbers are typos (and overflow quantizing).
_MAX_RATE = Decimal(1_000_000_000)
#: A rate as people type it: ASCII digits (``Decimal`` would also read other scripts' digits),
#: an optional sign (so a negative rate gets its own message), a decimal point, no exponent.
_RATE_TEXT = re.compile(r"[+-]?[0-9]{1,12}(?:\.[0-9]{1,12})?")


def checked_rate(text: str, currency: str) -> Money:
    """A rate that can go out as it is: plain digits, more than zero, below a billion, and
    no more decimals than ``currency`` has (whole minor units; ``decimals_rule`` says it).

    The web form's preview, its push, the REST API and the CLI all check a rate here, so they
    refuse the same rates with the same words.
    """
    written = text.strip()
    if not _RATE_TEXT.fullmatch(written):
        raise InvalidMoney(f"Rate must be an amount like {rate_example(currency)}, got {text!r}")
    rate = Money.of(written, currency)
    if rate.amount <= 0:
        raise InvalidMoney(f"Rate must be more than zero, got {written} {currency}")
    if rate.amount >= _MAX_RATE:
        raise InvalidMoney(f"Rate must be less than {_MAX_RATE:,} {currency}, got {written}")
    if not rate.is_exact():
        raise InvalidMoney(f"Rate {written} has too many decimals ({decimals_rule(currency)})")
    rate.to_ota()  # raises InvalidMoney for amounts no OTA message can carry
    return rate


def rate_example(currency: str) -> str:
    """A typical nightly rate written with the currency's decimals (``120.00``, ``12000``)."""
    places = minor_units(currency)
    return "12000" if places == 0 else "120." + "0" * places


def _check_mapped(uow: UnitOfWork, connection: Connection, change: AriChangeInput) -> str:
    """The hotel's currency, after checking that the hotel, room and rate plan are mapped."""
    mapping = uow.property_mappings.find(connection.id, change.hotel_code)
    if mapping is None:
        raise InvalidRequest(f"hotel {change.hotel_code!r} is not mapped on this connection")
    if uow.unit_mappings.find(mapping.id, change.room_type_code) is None:
        raise UnknownRoomType(change.room_type_code)
    if (
        change.rate_plan_code is not None
        and uow.rate_plan_mappings.find(mapping.id, change.rate_plan_code) is None
    ):
        raise UnknownRatePlan(change.rate_plan_code)
    return uow.properties.get(mapping.internal_property_id).currency


class AvailabilityPublisher:
    """Availability derived from bookings: when a reservation changes what a unit has
    booked, the new sellable count goes out to every channel the unit is mapped on.
    """

    def __init__(self, outbox: AriOutbox) -> None:
        self._outbox = outbox

    def publish(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        delta: Occupancy,
        unit_mappings: UnitMappingReader | None = None,
    ) -> int:
        """Queue availability for every (unit, night) in ``delta``; how many rows were queued.

        The units of one connection share a change set, so compression puts every room type
        of a hotel-month into one request (a batch of reservations touching many rooms
        becomes a few requests, not one per room). ``unit_mappings`` reads a property
        mapping's unit mappings when the caller has already read them in this unit of work
        (linking the reservation did), saving the query.
        """
        nights_by_unit: dict[UUID, set[date]] = defaultdict(set)
        for unit_id, night in delta:
            nights_by_unit[unit_id].add(night)
        reader = unit_mappings or uow.unit_mappings.list_by_property_mapping
        targets = [
            t for t in _mapped_targets(uow, organization_id, reader) if t.unit_id in nights_by_unit
        ]
        sellable = _sellable(uow, targets, nights_by_unit)
        builders: dict[UUID, tuple[Connection, AriChangeSetBuilder]] = {}
        for target in targets:
            _, builder = builders.setdefault(
                target.connection.id, (target.connection, AriChangeSetBuilder())
            )
            key = AriKey(target.hotel_code, target.room_type_code)
            for night, count in sellable[target.unit_id].items():
                builder.set(key, night, night, availability=count)
        return sum(
            len(self._outbox.queue(uow, connection, builder.build()))
            for connection, builder in builders.values()
        )

    def publish_calendar(
        self,
        uow: UnitOfWork,
        connection: Connection,
        mapping: PropertyMapping,
        units: Sequence[UnitMapping],
        nights: Collection[date],
    ) -> int:
        """Queue the sellable count of every night in ``nights`` for ``units`` (room types of
        ``mapping``'s hotel on ``connection``): a newly mapped room's whole calendar, booked
        nights or not, so the channel's calendar starts from ours. How many rows were queued.
        """
        targets = [
            _Target(
                connection,
                mapping.external_property_id,
                mapping.internal_property_id,
                unit.internal_unit_id,
                unit.external_room_type_id,
            )
            for unit in units
        ]
        wanted = set(nights)
        sellable = _sellable(uow, targets, {t.unit_id: wanted for t in targets})
        builder = AriChangeSetBuilder()
        for target in targets:
            key = AriKey(target.hotel_code, target.room_type_code)
            for night, count in sellable[target.unit_id].items():
                builder.set(key, night, night, availability=count)
        return len(self._outbox.queue(uow, connection, builder.build()))


#: A property mapping's unit mappings by its id (the repository's, or a unit of work's cache).
UnitMappingReader = Callable[[UUID], Sequence[UnitMapping]]


@attrs.frozen
class _Target:
    """Where a unit's availability goes: a channel room type on an active connection."""

    connection: Connection
    hotel_code: str
    property_id: UUID
    unit_id: UUID
    room_type_code: str


def _sellable(
    uow: UnitOfWork, targets: Sequence[_Target], nights_by_unit: Mapping[UUID, set[date]]
) -> dict[UUID, dict[date, int]]:
    """Sellable rooms per night of every targeted unit: one query for the bookings of all of
    them, one per property for the room counts.
    """
    wanted = {t.unit_id: nights_by_unit[t.unit_id] for t in targets}
    booked = uow.reservations.booked_rooms(wanted)
    counts = {
        unit.id: unit.count
        for property_id in {t.property_id for t in targets}
        for unit in uow.units.list_by_property(property_id)
    }
    return {
        unit_id: derive_availability(
            counts[unit_id] if unit_id in counts else uow.units.get(unit_id).count,
            dict(sorted(booked[unit_id].items())),
        )
        for unit_id in wanted
    }


def _mapped_targets(
    uow: UnitOfWork, organization_id: UUID, unit_mappings: UnitMappingReader
) -> Iterable[_Target]:
    """Every room type mapping on the organisation's active, sync-enabled hotels."""
    for connection in uow.connections.list(organization_id, ConnectionStatus.ACTIVE):
        for mapping in uow.property_mappings.list_by_connection(connection.id):
            if not mapping.sync_enabled:
                continue
            for unit_mapping in unit_mappings(mapping.id):
                yield _Target(
                    connection,
                    mapping.external_property_id,
                    mapping.internal_property_id,
                    unit_mapping.internal_unit_id,
                    unit_mapping.external_room_type_id,
                )
