"""Our calendar as the property manager reads and sets it, in our ids (the use cases behind
``GET /calendar`` and ``POST /calendar/changes``).

A change is made once, for our unit (and rate plan) and dates, stored, and fanned out to
every connection where the unit (and rate plan) is mapped, all in one transaction. The read
shows per night what we hold, what is booked and left to sell, and per connection whether
the value it should hold was delivered, is queued or failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from uuid import UUID

import attrs

from channel_manager.application.ari import MAX_DAYS_AHEAD, MAX_DAYS_BACK, checked_rate
from channel_manager.application.calendar_fanout import (
    CalendarPublisher,
    CellKey,
    MappedTargets,
)
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.outbox import AriOutbox
from channel_manager.application.scoping import owned_property, owned_unit
from channel_manager.domain.ari import DayValues, dates_between
from channel_manager.domain.calendar import (
    MAX_WINDOW_NIGHTS,
    CalendarChange,
    CalendarPushState,
    DeliveryState,
    delivery_state,
    sellable,
)
from channel_manager.domain.connection_rules import apply_rules
from channel_manager.domain.errors import DomainError, InvalidDateRange, InvalidMoney, NotFound
from channel_manager.domain.inventory import Property, RatePlan, Unit, local_today
from channel_manager.domain.sync import OutboundState
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: Nights a read covers when it names no last night (a month).
DEFAULT_WINDOW_NIGHTS = 31


#: Nights one calendar change request may set in all (each change's nights added up): a
#: year of every field for 100 units and rate plans. One request is one transaction; a bigger
#: one would hold the database for everyone else (found: 2,000 three-year changes took 16 s
#: and made other organisations' writes fail).
MAX_NIGHTS_PER_REQUEST = 36_600


class InvalidWindow(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """A calendar read whose window is reversed or longer than :data:`MAX_WINDOW_NIGHTS`."""


@attrs.frozen(kw_only=True)
class CalendarChangeInput:
    """One change of our calendar over ``start..end`` (inclusive); ``None`` leaves a value as
    it is. ``rate_plan_id`` is left out for the unit's own values (rooms to sell and closures
    of the whole unit); a rate needs it. ``rate`` is a decimal string in the property's
    currency (``currency``, when given, must be that one); ``availability`` is the rooms to
    sell before bookings."""

    unit_id: UUID
    rate_plan_id: UUID | None = None
    start: date
    end: date
    rate: str | None = None
    currency: str | None = None
    availability: int | None = None
    min_stay: int | None = None
    max_stay: int | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    stop_sell: bool | None = None


@attrs.frozen(kw_only=True)
class ChannelDelivery:
    """Where a night's values stand on one connection: ``state`` is None when nothing has been
    sent there for it; ``push_ids`` are the pushes carrying its newest values."""

    connection_id: UUID
    channel: str
    state: DeliveryState | None
    push_ids: tuple[UUID, ...]
    #: What this connection receives for the night once its rules apply (issue 18): the
    #: rate with its markup (a decimal string), availability at most its cap, stop-sell on
    #: when it stops selling. ``None`` where the cell carries no such value.
    rate: str | None = None
    availability: int | None = None
    stop_sell: bool | None = None


@attrs.frozen(kw_only=True)
class UnitNight:
    """A night of a unit: rooms to sell set (None: the unit's count), rooms booked on any
    channel, what is left to sell (``availability``), closures, and per connection the
    delivery of these values."""

    night: date
    rooms_to_sell: int | None
    rooms_booked: int
    availability: int
    min_stay: int | None
    max_stay: int | None
    closed_to_arrival: bool | None
    closed_to_departure: bool | None
    stop_sell: bool | None
    channels: tuple[ChannelDelivery, ...]


@attrs.frozen(kw_only=True)
class RatePlanNight:
    """A night of a unit on one rate plan: its rate (exact decimal string in ``currency``) and
    restrictions, and per connection the delivery of these values."""

    night: date
    rate: str | None
    currency: str | None
    min_stay: int | None
    max_stay: int | None
    closed_to_arrival: bool | None
    closed_to_departure: bool | None
    stop_sell: bool | None
    channels: tuple[ChannelDelivery, ...]


@attrs.frozen(kw_only=True)
class RatePlanCalendar:
    """One rate plan of a unit, night by night."""

    rate_plan_id: UUID
    name: str
    code: str
    nights: tuple[RatePlanNight, ...]


@attrs.frozen(kw_only=True)
class UnitCalendar:
    """One unit, night by night, and each rate plan of its property."""

    unit_id: UUID
    name: str
    count: int
    nights: tuple[UnitNight, ...]
    rate_plans: tuple[RatePlanCalendar, ...]


@attrs.frozen(kw_only=True)
class PropertyCalendar:
    """A property's calendar over ``first_night..last_night``."""

    property_id: UUID
    currency: str
    first_night: date
    last_night: date
    units: tuple[UnitCalendar, ...]


@attrs.frozen(kw_only=True)
class CalendarWithPushes:
    """A calendar read and the state each push named by its deliveries is in now."""

    calendar: PropertyCalendar
    push_states: Mapping[UUID, OutboundState]


@attrs.frozen(kw_only=True)
class ConnectionPushes:
    """The pushes a calendar change queued for one connection."""

    connection_id: UUID
    push_ids: tuple[UUID, ...]


class CalendarService:
    """Reads and changes our calendar."""

    def __init__(self, uow_factory: UnitOfWorkFactory, outbox: AriOutbox, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._publisher = CalendarPublisher(outbox)
        self._clock = clock

    def read(
        self,
        organization_id: UUID,
        property_id: UUID,
        start: date | None = None,
        end: date | None = None,
    ) -> PropertyCalendar:
        """The property's calendar over ``start..end`` (inclusive, at most
        :data:`MAX_WINDOW_NIGHTS` nights); ``start`` defaults to the property's today, ``end``
        to :data:`DEFAULT_WINDOW_NIGHTS` nights from ``start``."""
        return self.read_with_pushes(organization_id, property_id, start, end).calendar

    def read_with_pushes(
        self,
        organization_id: UUID,
        property_id: UUID,
        start: date | None = None,
        end: date | None = None,
    ) -> CalendarWithPushes:
        """:meth:`read`, with the state of every push its deliveries name: a screen that
        follows pushes (the rates page) tells the open ones and the failed one apart."""
        with self._uow_factory() as uow:
            prop = owned_property(uow, organization_id, property_id)
            if start is None:
                start = local_today(self._clock.now(), prop.timezone)
            if end is None:
                last = min(date.max.toordinal(), start.toordinal() + DEFAULT_WINDOW_NIGHTS - 1)
                end = date.fromordinal(last)
            if end < start:
                raise InvalidWindow(f"'to' ({end}) is before 'from' ({start})")
            if (end - start).days + 1 > MAX_WINDOW_NIGHTS:
                raise InvalidWindow(
                    f"at most {MAX_WINDOW_NIGHTS} nights can be read at once, "
                    f"asked {(end - start).days + 1} ({start}..{end})"
                )
            reader = _Reader(uow, organization_id, prop, start, end)
            return CalendarWithPushes(calendar=reader.read(), push_states=reader.push_states)

    def change(
        self, organization_id: UUID, changes: Sequence[CalendarChangeInput]
    ) -> list[ConnectionPushes]:
        """Validate ``changes`` (every id must be the caller's), store them and queue them to
        every connection mapping their units, in one transaction; the pushes per connection.
        A later change overrides the values an earlier one set on the same night."""
        if not changes:
            raise InvalidRequest("no changes given")
        asked = sum(
            (change.end - change.start).days + 1 for change in changes if change.end >= change.start
        )
        if asked > MAX_NIGHTS_PER_REQUEST:
            raise InvalidRequest(
                f"one request may change at most {MAX_NIGHTS_PER_REQUEST:,} nights in all (a"
                f" unit's or rate plan's night each); this one asks for {asked:,}: split it"
            )
        with self._uow_factory() as uow:
            nights = [
                night
                for change in changes
                for night in self._checked(uow, organization_id, change).stored()
            ]
            queued = self._publisher.write(uow, organization_id, nights)
            uow.commit()
        return [
            ConnectionPushes(connection_id=connection_id, push_ids=tuple(m.id for m in messages))
            for connection_id, messages in queued.items()
        ]

    def _checked(
        self, uow: UnitOfWork, organization_id: UUID, change: CalendarChangeInput
    ) -> CalendarChange:
        unit = owned_unit(uow, organization_id, change.unit_id)
        prop = uow.properties.get(unit.property_id)
        if change.rate_plan_id is not None:
            _plan_of(uow, organization_id, unit, change.rate_plan_id)
        self._check_dates(prop, change.start, change.end)
        if change.currency is not None and change.currency != prop.currency:
            raise InvalidMoney(
                f"rates of {prop.name!r} are in {prop.currency}, not {change.currency}"
            )
        values = DayValues(
            availability=change.availability,
            rate=None if change.rate is None else checked_rate(change.rate, prop.currency),
            min_los=change.min_stay,
            max_los=change.max_stay,
            closed_to_arrival=change.closed_to_arrival,
            closed_to_departure=change.closed_to_departure,
            stop_sell=change.stop_sell,
        )
        return CalendarChange(
            unit_id=unit.id,
            rate_plan_id=change.rate_plan_id,
            start=change.start,
            end=change.end,
            values=values,
        )

    def _check_dates(self, prop: Property, start: date, end: date) -> None:
        """Dates from the property's yesterday up to three years ahead, as for any ARI."""
        today = local_today(self._clock.now(), prop.timezone)
        earliest = today - timedelta(days=MAX_DAYS_BACK)
        latest = today + timedelta(days=MAX_DAYS_AHEAD)
        if end < start:
            raise InvalidDateRange(f"'to' ({end}) is before 'from' ({start})")
        if start < earliest or end > latest:
            raise InvalidDateRange(
                f"dates must lie between {earliest} and {latest}, got {start}..{end}"
            )


def _plan_of(uow: UnitOfWork, organization_id: UUID, unit: Unit, rate_plan_id: UUID) -> RatePlan:
    """The rate plan if it is the organisation's; it must belong to the unit's property."""
    plan = uow.rate_plans.get(rate_plan_id)
    try:
        owned_property(uow, organization_id, plan.property_id)
    except NotFound:
        raise NotFound("rate plan", rate_plan_id) from None
    if plan.property_id != unit.property_id:
        raise InvalidRequest(
            f"rate plan {rate_plan_id} belongs to another property than unit {unit.id}"
        )
    return plan


class _Reader:
    """One calendar read: every table read once for the window, then assembled."""

    def __init__(
        self, uow: UnitOfWork, organization_id: UUID, prop: Property, start: date, end: date
    ) -> None:
        self._prop = prop
        self._start, self._end = start, end
        self._units = uow.units.list_by_property(prop.id)
        self._plans = uow.rate_plans.list_by_property(prop.id)
        unit_ids = [unit.id for unit in self._units]
        self._stored: dict[CellKey, dict[date, DayValues]] = defaultdict(dict)
        for stored in uow.calendar.window(unit_ids, start, end):
            self._stored[(stored.unit_id, stored.rate_plan_id)][stored.night] = stored.values
        self._booked = uow.booked_nights.window(unit_ids, start, end)
        self._links: dict[tuple[UUID, UUID | None, date], list[CalendarPushState]] = defaultdict(
            list
        )
        self.push_states: dict[UUID, OutboundState] = {}
        for pushed in uow.calendar_pushes.window(unit_ids, start, end):
            link = pushed.link
            self.push_states[link.push_id] = pushed.state
            self._links[(link.unit_id, link.rate_plan_id, link.night)].append(pushed)
        targets = MappedTargets(uow, organization_id)
        self._channels = {
            connection.id: connection.channel
            for connection in uow.connections.list(organization_id)
        }
        self._rules = uow.connection_rules.for_connections(self._channels)
        self._mapped: dict[CellKey, set[UUID]] = {}
        for unit in self._units:
            unit_targets = targets.for_unit(unit.id)
            self._mapped[(unit.id, None)] = {t.connection.id for t in unit_targets}
            for plan in self._plans:
                self._mapped[(unit.id, plan.id)] = {
                    t.connection.id for t in unit_targets if targets.rate_codes(t.mapping, plan.id)
                }

    def read(self) -> PropertyCalendar:
        return PropertyCalendar(
            property_id=self._prop.id,
            currency=self._prop.currency,
            first_night=self._start,
            last_night=self._end,
            units=tuple(self._unit(unit) for unit in self._units),
        )

    def _nights(self) -> Iterable[date]:
        return dates_between(self._start, self._end)

    def _unit(self, unit: Unit) -> UnitCalendar:
        stored = self._stored.get((unit.id, None), {})
        booked = self._booked.get(unit.id, {})
        nights = []
        for night in self._nights():
            values = stored.get(night, DayValues())
            rooms_booked = booked.get(night, 0)
            nights.append(
                UnitNight(
                    night=night,
                    rooms_to_sell=values.availability,
                    rooms_booked=rooms_booked,
                    availability=sellable(values.availability, unit.count, rooms_booked),
                    min_stay=values.min_los,
                    max_stay=values.max_los,
                    closed_to_arrival=values.closed_to_arrival,
                    closed_to_departure=values.closed_to_departure,
                    stop_sell=values.stop_sell,
                    channels=self._deliveries(
                        (unit.id, None),
                        night,
                        attrs.evolve(
                            values,
                            availability=sellable(values.availability, unit.count, rooms_booked),
                        ),
                    ),
                )
            )
        return UnitCalendar(
            unit_id=unit.id,
            name=unit.name,
            count=unit.count,
            nights=tuple(nights),
            rate_plans=tuple(self._plan(unit, plan) for plan in self._plans),
        )

    def _plan(self, unit: Unit, plan: RatePlan) -> RatePlanCalendar:
        stored = self._stored.get((unit.id, plan.id), {})
        nights = []
        for night in self._nights():
            values = stored.get(night, DayValues())
            rate = values.rate
            nights.append(
                RatePlanNight(
                    night=night,
                    rate=None if rate is None else str(rate.amount),
                    currency=None if rate is None else rate.currency,
                    min_stay=values.min_los,
                    max_stay=values.max_los,
                    closed_to_arrival=values.closed_to_arrival,
                    closed_to_departure=values.closed_to_departure,
                    stop_sell=values.stop_sell,
                    channels=self._deliveries((unit.id, plan.id), night, values),
                )
            )
        return RatePlanCalendar(
            rate_plan_id=plan.id, name=plan.name, code=plan.code, nights=tuple(nights)
        )

    def _deliveries(
        self, key: CellKey, night: date, ours: DayValues
    ) -> tuple[ChannelDelivery, ...]:
        """Per connection mapping the cell or holding links for it: the state of the pushes
        carrying its newest values, and what that connection receives of ``ours`` (our
        values for the night) once its rules apply."""
        by_connection: Mapping[UUID, list[CalendarPushState]] = _group(
            self._links.get((key[0], key[1], night), ())
        )
        connections = sorted(self._mapped.get(key, set()) | set(by_connection), key=str)
        deliveries = []
        for connection_id in connections:
            sent = apply_rules(self._rules.get(connection_id), ours)
            deliveries.append(
                ChannelDelivery(
                    connection_id=connection_id,
                    channel=self._channels.get(connection_id, ""),
                    state=delivery_state(p.state for p in by_connection.get(connection_id, ())),
                    push_ids=tuple(
                        sorted(
                            {p.link.push_id for p in by_connection.get(connection_id, ())},
                            key=str,
                        )
                    ),
                    rate=None if sent.rate is None else str(sent.rate.amount),
                    availability=sent.availability,
                    stop_sell=sent.stop_sell,
                )
            )
        return tuple(deliveries)


def _group(pushed: Iterable[CalendarPushState]) -> dict[UUID, list[CalendarPushState]]:
    grouped: dict[UUID, list[CalendarPushState]] = defaultdict(list)
    for state in pushed:
        grouped[state.link.connection_id].append(state)
    return grouped
