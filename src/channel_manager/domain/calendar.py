"""Our calendar, the source of truth: what we sell per unit, rate plan and night, in our ids.

A night of a unit at *unit level* (``rate_plan_id`` is ``None``) holds the rooms to sell and
closures of the whole unit; a night of a unit and one of its rate plans holds that plan's rate
and restrictions. Values are :class:`~channel_manager.domain.ari_calendar.DayValues` with
``None`` meaning "not set"; in our calendar ``availability`` is the *rooms to sell* before
bookings: what a channel is offered is :func:`sellable`, those rooms (or the unit's count)
minus the rooms booked that night on any channel.

Each value that went out to a connection is linked to the push that carried it
(:class:`CalendarPushLink`, one per connection, unit, rate plan, night and field, the newest
replacing the older), so the calendar shows per channel whether what it holds was delivered,
is queued or failed (:func:`delivery_state`) without reading messages back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from enum import StrEnum
from uuid import UUID

import attrs

from channel_manager.domain.ari_calendar import DayValues, dates_between
from channel_manager.domain.errors import InvalidDateRange, InvalidValue
from channel_manager.domain.sync import OutboundState

#: Most nights one calendar read may span (a year and a month, with room to spare).
MAX_WINDOW_NIGHTS = 400
#: Longest minimum or maximum stay a night may carry; more is a typing error.
MAX_STAY_NIGHTS = 999


class CalendarField(StrEnum):
    """One value of a calendar night, as pushes carry them (and the API names them)."""

    AVAILABILITY = "availability"
    RATE = "rate"
    MIN_STAY = "min_stay"
    MAX_STAY = "max_stay"
    CLOSED_TO_ARRIVAL = "closed_to_arrival"
    CLOSED_TO_DEPARTURE = "closed_to_departure"
    STOP_SELL = "stop_sell"


#: Each field's attribute on :class:`DayValues`.
_ATTRIBUTES: dict[CalendarField, str] = {
    CalendarField.AVAILABILITY: "availability",
    CalendarField.RATE: "rate",
    CalendarField.MIN_STAY: "min_los",
    CalendarField.MAX_STAY: "max_los",
    CalendarField.CLOSED_TO_ARRIVAL: "closed_to_arrival",
    CalendarField.CLOSED_TO_DEPARTURE: "closed_to_departure",
    CalendarField.STOP_SELL: "stop_sell",
}


def fields_set(values: DayValues) -> tuple[CalendarField, ...]:
    """The fields ``values`` sets, in declaration order."""
    return tuple(field for field, name in _ATTRIBUTES.items() if getattr(values, name) is not None)


class DeliveryState(StrEnum):
    """Where the value a channel should hold stands: delivered, still queued, or failed."""

    DELIVERED = "delivered"
    QUEUED = "queued"
    FAILED = "failed"


def delivery_state(states: Iterable[OutboundState]) -> DeliveryState | None:
    """The state of a night on one channel from the states of the pushes carrying its values:
    failed if any failed (a value never arrived), queued if any is still on its way, else
    delivered; ``None`` when no push carried anything.
    """
    seen = set(states)
    if not seen:
        return None
    if OutboundState.FAILED in seen:
        return DeliveryState.FAILED
    if seen & {OutboundState.PENDING, OutboundState.IN_FLIGHT}:
        return DeliveryState.QUEUED
    return DeliveryState.DELIVERED


def sellable(rooms_to_sell: int | None, unit_count: int, booked: int) -> int:
    """Rooms a channel may still sell: the rooms to sell set for the night (else the unit's
    count) minus the rooms booked, never below 0."""
    offered = unit_count if rooms_to_sell is None else rooms_to_sell
    return max(0, offered - booked)


@attrs.frozen
class CalendarNight:
    """The stored values of one night of a unit (``rate_plan_id`` ``None``) or of one of its
    rate plans; ``values.availability`` is the rooms to sell."""

    unit_id: UUID
    rate_plan_id: UUID | None
    night: date
    values: DayValues

    def sort_key(self) -> tuple[UUID, bool, UUID, date]:
        """Unit, then the unit level before its rate plans, then night."""
        plan = self.rate_plan_id
        return (self.unit_id, plan is not None, plan or self.unit_id, self.night)


def _check_values(instance: CalendarChange, _attribute: object, values: DayValues) -> None:
    if values.is_empty:
        raise InvalidValue("a change must set at least one value")
    plan = instance.rate_plan_id
    if values.rate is not None and plan is None:
        raise InvalidValue("a rate is set per rate plan: give rate_plan_id")
    if values.availability is not None and plan is not None:
        raise InvalidValue("availability (rooms to sell) is set per unit: leave rate_plan_id out")
    for name in ("min_los", "max_los"):
        stay = getattr(values, name)
        if stay is not None and not 1 <= stay <= MAX_STAY_NIGHTS:
            raise InvalidValue(f"a stay must be 1 to {MAX_STAY_NIGHTS} nights, got {stay}")
    if (
        values.min_los is not None
        and values.max_los is not None
        and values.min_los > values.max_los
    ):
        raise InvalidValue(
            f"the minimum stay ({values.min_los}) is longer than the maximum ({values.max_los})"
        )


def _check_end(instance: CalendarChange, _attribute: object, end: date) -> None:
    if end < instance.start:
        raise InvalidDateRange(f"range end {end} is before its start {instance.start}")


@attrs.frozen(kw_only=True)
class CalendarChange:
    """Values set for every night of ``start..end`` (inclusive) of a unit, or of one of its
    rate plans. A rate needs a rate plan; rooms to sell belong to the unit."""

    unit_id: UUID
    rate_plan_id: UUID | None = None
    start: date
    end: date = attrs.field(validator=_check_end)
    values: DayValues = attrs.field(validator=_check_values)

    def nights(self) -> Iterator[date]:
        """Every night the change covers."""
        return dates_between(self.start, self.end)

    def stored(self) -> Iterator[CalendarNight]:
        """The change as the nights it stores."""
        for night in self.nights():
            yield CalendarNight(self.unit_id, self.rate_plan_id, night, self.values)


@attrs.frozen
class CalendarPushLink:
    """The push that carries the newest value of one field of one night to one connection."""

    connection_id: UUID
    unit_id: UUID
    rate_plan_id: UUID | None
    night: date
    field: CalendarField
    push_id: UUID


@attrs.frozen
class CalendarPushState:
    """A link with the state its push is in now."""

    link: CalendarPushLink
    state: OutboundState
