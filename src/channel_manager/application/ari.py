"""Rates, availability and restrictions in a channel's codes (``POST /connections/{id}/ari``,
``channel-manager ari push``): a thin layer over our calendar. Each change is translated to
our unit and rate plan through the connection's mappings, stored in our calendar, and fanned
out like any calendar change (to this connection and every other one mapping the same unit),
in the caller's transaction; the dispatcher delivers the pushes later.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import attrs

from channel_manager.application.calendar_fanout import (
    CalendarPublisher,
    Cells,
    OnlyTheseTargets,
    Target,
    UnitMappingReader,
    locked_booked_nights,
    sellable_nights,
)
from channel_manager.application.errors import ConnectionNotActive, InvalidRequest
from channel_manager.application.outbox import AriOutbox
from channel_manager.application.scoping import owned_connection
from channel_manager.domain.ari import (
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    DayValues,
    dates_between,
)
from channel_manager.domain.availability import Occupancy
from channel_manager.domain.calendar import CalendarNight
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.connection_rules import ConnectionRules, apply_rules
from channel_manager.domain.errors import (
    InvalidDateRange,
    InvalidMoney,
    UnknownRatePlan,
    UnknownRoomType,
)
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.domain.money import Money, decimals_rule, minor_units
from channel_manager.domain.sync import OutboundMessage
from channel_manager.ports.channel import PublishPolicy
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MAX_DAYS_AHEAD",
    "MAX_DAYS_BACK",
    "AriChangeInput",
    "AriOutbox",
    "AriService",
    "AvailabilityPublisher",
    "UnitMappingReader",
    "checked_rate",
]


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


#: How far ahead ARI may be set (Booking.com wants at least 12 months loaded; beyond three
#: years a change is almost surely a typo and would only flood the outbox).
MAX_DAYS_AHEAD = 3 * 366
#: Hotel-local "today" can be yesterday in UTC terms, so one day back is allowed.
MAX_DAYS_BACK = 1


class AriService:
    """The use case behind ``POST /connections/{id}/ari`` and ``channel-manager ari push``."""

    def __init__(self, uow_factory: UnitOfWorkFactory, outbox: AriOutbox, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._publisher = CalendarPublisher(outbox)
        self._outbox = outbox
        self._clock = clock

    def policy(self, connection: Connection) -> PublishPolicy:
        """How ``connection``'s channel is sent our calendar (for a preview of its messages)."""
        return self._outbox.policy(connection)

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

    def preview(
        self, change: AriChangeInput, currency: str, rules: ConnectionRules | None = None
    ) -> AriChangeSet:
        """The change set :meth:`submit` would queue for ``change`` in the hotel's
        ``currency``, checked on the same path (dates, rate), so a preview never shows what a
        push would refuse; with the connection's ``rules`` applied, as the publish step does.
        Mappings are the caller's to offer: it lists only mapped rooms."""
        builder = AriChangeSetBuilder()
        self._add(builder, change, currency)
        built = builder.build()
        if rules is None or rules.is_neutral:
            return built
        return AriChangeSet(
            {
                key: {day: apply_rules(rules, values) for day, values in by_day.items()}
                for key, by_day in built.days.items()
            }
        )

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
        """Validate ``changes`` against the connection's mappings, store them in our calendar
        and queue them to every connection mapping the same units; this connection's pushes
        first."""
        if not changes:
            raise InvalidRequest("no changes given")
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            if connection.status is not ConnectionStatus.ACTIVE:
                raise ConnectionNotActive(
                    f"this connection is {connection.status.value}, not active"
                )
            mapped = [self._mapped(uow, connection, change) for change in changes]
            offered: dict[UUID, set[date]] = defaultdict(set)
            for target in mapped:
                if target.values.availability is not None:
                    change = target.change
                    offered[target.unit_id].update(dates_between(change.start, change.end))
            # Every night's row locked at once, in key order (see locked_booked_nights).
            booked = locked_booked_nights(uow, offered)
            nights = [night for target in mapped for night in _our_nights(target, booked)]
            queued = self._publisher.write(
                uow,
                organization_id,
                nights,
                include={target.mapping.id for target in mapped},
            )
            uow.commit()
        mine = queued.pop(connection.id, [])
        return [*mine, *(message for others in queued.values() for message in others)]

    def _mapped(self, uow: UnitOfWork, connection: Connection, change: AriChangeInput) -> _Mapped:
        self.check_dates(change)
        mapping, unit_id, rate_plan_id = _check_mapped(uow, connection, change)
        currency = uow.properties.get(mapping.internal_property_id).currency
        values = DayValues(
            availability=change.availability,
            rate=checked_rate(change.rate, currency) if change.rate is not None else None,
            min_los=change.min_los,
            max_los=change.max_los,
            closed_to_arrival=change.closed_to_arrival,
            closed_to_departure=change.closed_to_departure,
            stop_sell=change.stop_sell,
        )
        return _Mapped(change, mapping, unit_id, rate_plan_id, values)


@attrs.frozen
class _Mapped:
    """A change with our ids and values."""

    change: AriChangeInput
    mapping: PropertyMapping
    unit_id: UUID
    rate_plan_id: UUID | None
    values: DayValues


def _our_nights(
    mapped: _Mapped, booked: Mapping[UUID, Mapping[date, int]]
) -> Iterator[CalendarNight]:
    """The change as nights of our calendar. Availability is the unit's (a channel holds one
    count per room type whatever the rate plan) and means what the channel may sell: the
    rooms to sell stored are that plus the rooms ``booked``, so what is left to sell, which
    is what goes out, is exactly the number given. Restrictions and the rate belong to the
    rate plan when one is named, else to the unit."""
    change, values = mapped.change, mapped.values
    nights = list(dates_between(change.start, change.end))
    if values.availability is not None:
        for night in nights:
            offered = DayValues(availability=values.availability + booked[mapped.unit_id][night])
            yield CalendarNight(mapped.unit_id, None, night, offered)
    rest = attrs.evolve(values, availability=None)
    if not rest.is_empty:
        for night in nights:
            yield CalendarNight(mapped.unit_id, mapped.rate_plan_id, night, rest)


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
    return rate.rounded()  # exact, so only written at the currency's minor units ("99.00")


def rate_example(currency: str) -> str:
    """A typical nightly rate written with the currency's decimals (``120.00``, ``12000``)."""
    places = minor_units(currency)
    return "12000" if places == 0 else "120." + "0" * places


def _check_mapped(
    uow: UnitOfWork, connection: Connection, change: AriChangeInput
) -> tuple[PropertyMapping, UUID, UUID | None]:
    """The hotel's mapping, our unit and our rate plan, after checking that the hotel, room
    and rate are mapped."""
    if change.rate is not None and change.rate_plan_code is None:
        raise InvalidRequest("a rate needs a rate plan code")
    mapping = uow.property_mappings.find(connection.id, change.hotel_code)
    if mapping is None:
        raise InvalidRequest(f"hotel {change.hotel_code!r} is not mapped on this connection")
    unit = uow.unit_mappings.find(mapping.id, change.room_type_code)
    if unit is None:
        raise UnknownRoomType(change.room_type_code)
    if change.rate_plan_code is None:
        return mapping, unit.internal_unit_id, None
    plan = uow.rate_plan_mappings.find(mapping.id, change.rate_plan_code)
    if plan is None:
        raise UnknownRatePlan(change.rate_plan_code)
    return mapping, unit.internal_unit_id, plan.internal_rate_plan_id


class AvailabilityPublisher:
    """Availability derived from bookings: every change in what reservations occupy is
    added to the rooms booked per night (``booked_nights``, in the transaction applying the
    reservation), and what is then left to sell goes out to every channel the unit is mapped
    on. Every path that changes what a stored reservation occupies calls :meth:`publish`.
    """

    def __init__(self, outbox: AriOutbox) -> None:
        self._calendar = CalendarPublisher(outbox)

    def publish(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        delta: Occupancy,
        unit_mappings: UnitMappingReader | None = None,
    ) -> int:
        """Record ``delta`` (rooms per (unit, night), negative when freed) and queue what is
        left to sell on those nights; how many pushes were queued.

        The units of one connection share a change set, so compression puts every room type
        of a hotel-month into one request. ``unit_mappings`` reads a property mapping's unit
        mappings when the caller has already read them in this unit of work (linking the
        reservation did), saving the query.
        """
        return self._calendar.booked_changed(uow, organization_id, delta, unit_mappings)

    def record(self, uow: UnitOfWork, delta: Occupancy) -> None:
        """Count ``delta`` in the rooms booked per night without sending anything: for nights
        the caller sends itself (an opening calendar), so they do not go out twice."""
        if delta:
            uow.booked_nights.add(delta)

    def publish_calendar(
        self,
        uow: UnitOfWork,
        connection: Connection,
        mapping: PropertyMapping,
        units: Sequence[UnitMapping],
        nights: Collection[date],
    ) -> int:
        """Queue what is left to sell on every night in ``nights`` for ``units`` (room types
        of ``mapping``'s hotel on ``connection`` only): a newly mapped room's whole calendar,
        booked nights or not, so the channel's calendar starts from ours. How many pushes
        were queued."""
        targets = OnlyTheseTargets(
            [
                Target(connection, mapping, unit.internal_unit_id, unit.external_room_type_id)
                for unit in units
            ]
        )
        wanted = {unit.internal_unit_id: set(nights) for unit in units}
        left = sellable_nights(uow, wanted)
        cells: Cells = {
            (unit_id, None): {
                night: DayValues(availability=count) for night, count in sorted(by_night.items())
            }
            for unit_id, by_night in left.items()
        }
        return sum(len(queued) for queued in self._calendar.send(uow, targets, cells).values())
