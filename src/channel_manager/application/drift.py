"""The drift check's comparisons: the values a connection should hold (our calendar's full
state, as sent) against our delivery record and against the channel's readback.

By the delivery record, a value drifts when no push carried it to the connection
(``never_sent``), when the newest push linked to it failed (``failed``) or is still on its way
(``queued``), or when that push was delivered carrying another value than the one our
calendar holds now (``stale``: the value changed while nothing could be sent there, say
while the connection was in error). By the channel's readback, a value drifts when the
channel holds another one or none (``channel_differs``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from enum import StrEnum
from typing import Protocol
from uuid import UUID

import attrs

from channel_manager.application.calendar_fanout import Cells, Target
from channel_manager.domain.ari import (
    AriChangeSet,
    AriKey,
    AriRequest,
    AvailRange,
    DayValues,
)
from channel_manager.domain.calendar import CalendarField, CalendarPushState, fields_set
from channel_manager.domain.errors import NotFound
from channel_manager.domain.mapping import PropertyMapping
from channel_manager.domain.money import Money
from channel_manager.domain.sync import OutboundState
from channel_manager.ports.channel import PublishPolicy
from channel_manager.ports.repositories import UnitOfWork


class DriftReason(StrEnum):
    """Why a value may not be what the connection holds."""

    NEVER_SENT = "never_sent"
    QUEUED = "queued"
    FAILED = "failed"
    STALE = "stale"
    CHANNEL_DIFFERS = "channel_differs"


class ReadbackState(StrEnum):
    """Whether the channel's own ARI was compared too."""

    COMPARED = "compared"
    #: The channel's gateway cannot read ARI back (Booking.com's today).
    NOT_OFFERED = "not_offered"
    #: A connection that is not active asks its channel nothing.
    CONNECTION_NOT_ACTIVE = "connection_not_active"
    #: The connection holds no claim on any of its mapped hotels: nothing may be asked.
    HOTEL_NOT_HELD = "hotel_not_held"


@attrs.frozen(kw_only=True)
class Difference:
    """One value of one night that the connection may not hold: ``ours`` as sent (the count
    left to sell, clamped as the channel takes it; a rate with its currency), ``theirs`` what
    the linked push carried (``stale``) or the channel holds (``channel_differs``; ``None``:
    nothing), ``push_id`` the push linked to the value."""

    unit_id: UUID
    unit_name: str
    rate_plan_id: UUID | None
    rate_plan_name: str | None
    hotel_code: str
    room_type_code: str
    rate_plan_code: str | None
    night: date
    field: CalendarField
    ours: str
    theirs: str | None
    reason: DriftReason
    push_id: UUID | None


@attrs.frozen(kw_only=True)
class DriftReport:
    """The drift of one connection over ``first_night..last_night``."""

    connection_id: UUID
    channel: str
    first_night: date
    last_night: date
    readback: ReadbackState
    differences: tuple[Difference, ...]


#: A value as sent: a booking limit or stay (int), a closure (bool) or a rate (Money).
Sent = int | bool | Money


@attrs.frozen
class Expected:
    """One value the connection should hold, under the channel key it is sent with."""

    unit_id: UUID
    unit_name: str
    rate_plan_id: UUID | None
    rate_plan_name: str | None
    key: AriKey
    night: date
    field: CalendarField
    value: Sent

    def differs(
        self, reason: DriftReason, theirs: Sent | None = None, push_id: UUID | None = None
    ) -> Difference:
        """This value as a difference."""
        return Difference(
            unit_id=self.unit_id,
            unit_name=self.unit_name,
            rate_plan_id=self.rate_plan_id,
            rate_plan_name=self.rate_plan_name,
            hotel_code=self.key.hotel_code,
            room_type_code=self.key.room_type_code,
            rate_plan_code=self.key.rate_plan_code,
            night=self.night,
            field=self.field,
            ours=_text(self.value),
            theirs=None if theirs is None else _text(theirs),
            reason=reason,
            push_id=push_id,
        )


class Targets(Protocol):
    """Where a unit's values go (``ConnectionTargets``)."""

    def for_unit(self, unit_id: UUID) -> list[Target]:
        """The room types the unit is mapped to."""
        ...

    def rate_codes(self, mapping: PropertyMapping, rate_plan_id: UUID) -> list[str]:
        """The channel's codes for our rate plan on one hotel."""
        ...


#: Each field's attribute on DayValues and on an AvailRange.
_DAY_ATTRIBUTES = {
    CalendarField.AVAILABILITY: "availability",
    CalendarField.RATE: "rate",
    CalendarField.MIN_STAY: "min_los",
    CalendarField.MAX_STAY: "max_los",
    CalendarField.CLOSED_TO_ARRIVAL: "closed_to_arrival",
    CalendarField.CLOSED_TO_DEPARTURE: "closed_to_departure",
    CalendarField.STOP_SELL: "stop_sell",
}
_RANGE_ATTRIBUTES = {**_DAY_ATTRIBUTES, CalendarField.AVAILABILITY: "booking_limit"}
_FIELD_ORDER = {field: index for index, field in enumerate(CalendarField)}


def _sent(field: CalendarField, values: DayValues, policy: PublishPolicy) -> Sent | None:
    value: Sent | None = getattr(values, _DAY_ATTRIBUTES[field])
    if field is CalendarField.AVAILABILITY and isinstance(value, int):
        return policy.sent_availability(value)  # what the channel is sent for that count
    return value


def _text(value: Sent) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    return str(value)


def expected_values(
    uow: UnitOfWork, targets: Targets, cells: Cells, policy: PublishPolicy
) -> list[Expected]:
    """Every value of ``cells`` under every channel key it is sent with, as the channel's
    ``policy`` sends it."""
    unit_names: dict[UUID, str] = {}
    plan_names: dict[UUID, str] = {}
    expected: list[Expected] = []
    for (unit_id, plan_id), by_night in cells.items():
        if unit_id not in unit_names:
            unit_names[unit_id] = uow.units.get(unit_id).name
        if plan_id is not None and plan_id not in plan_names:
            plan_names[plan_id] = uow.rate_plans.get(plan_id).name
        for target in targets.for_unit(unit_id):
            codes: Sequence[str | None] = (
                [None] if plan_id is None else targets.rate_codes(target.mapping, plan_id)
            )
            for code in codes:
                key = AriKey(target.mapping.external_property_id, target.room_type_code, code)
                for night, values in by_night.items():
                    for field in fields_set(values):
                        value = _sent(field, values, policy)
                        assert value is not None  # fields_set lists the set ones
                        expected.append(
                            Expected(
                                unit_id,
                                unit_names[unit_id],
                                plan_id,
                                None if plan_id is None else plan_names[plan_id],
                                key,
                                night,
                                field,
                                value,
                            )
                        )
    return expected


#: A push's values by (room type, rate plan code, night, field).
_Carried = dict[tuple[str, str | None, date, CalendarField], Sent]


def _carried(payload: AriRequest) -> _Carried:
    carried: _Carried = {}
    for item in payload.items:
        nights = range(item.start.toordinal(), item.end.toordinal() + 1)
        fields: dict[CalendarField, Sent]
        if isinstance(item, AvailRange):
            fields = {
                field: getattr(item, name)
                for field, name in _RANGE_ATTRIBUTES.items()
                if field is not CalendarField.RATE and getattr(item, name) is not None
            }
        else:
            fields = {CalendarField.RATE: item.amount}
        for ordinal in nights:
            night = date.fromordinal(ordinal)
            for field, value in fields.items():
                carried[(item.room_type_code, item.rate_plan_code, night, field)] = value
    return carried


def delivery_drift(
    uow: UnitOfWork, expected: Iterable[Expected], links: Iterable[CalendarPushState]
) -> list[Difference]:
    """The values our delivery record does not show delivered to the connection as they are
    now (``links``: the connection's links in the window)."""
    by_value = {
        (state.link.unit_id, state.link.rate_plan_id, state.link.night, state.link.field): state
        for state in links
    }
    pushes: dict[UUID, tuple[str, _Carried] | None] = {}
    differences: list[Difference] = []
    for value in expected:
        linked = by_value.get((value.unit_id, value.rate_plan_id, value.night, value.field))
        if linked is None:
            differences.append(value.differs(DriftReason.NEVER_SENT))
            continue
        push_id = linked.link.push_id
        if linked.state is OutboundState.FAILED:
            differences.append(value.differs(DriftReason.FAILED, push_id=push_id))
            continue
        if linked.state is not OutboundState.DELIVERED:
            differences.append(value.differs(DriftReason.QUEUED, push_id=push_id))
            continue
        if push_id not in pushes:
            pushes[push_id] = _read_push(uow, push_id)
        push = pushes[push_id]
        if push is None or push[0] != value.key.hotel_code:
            continue  # linked through another of the cell's keys: nothing to compare with
        key = (value.key.room_type_code, value.key.rate_plan_code, value.night, value.field)
        carried = push[1].get(key)
        if carried is not None and carried != value.value:
            differences.append(value.differs(DriftReason.STALE, carried, push_id))
    return differences


def _read_push(uow: UnitOfWork, push_id: UUID) -> tuple[str, _Carried] | None:
    try:
        message = uow.outbound.get(push_id)
    except NotFound:
        return None
    return message.hotel_code, _carried(message.payload)


def channel_drift(
    expected: Iterable[Expected], hotel_code: str, held: AriChangeSet
) -> Iterator[Difference]:
    """The values of ``hotel_code`` the channel's readback ``held`` does not hold."""
    for value in expected:
        if value.key.hotel_code != hotel_code:
            continue
        values = held.days.get(value.key, {}).get(value.night)
        theirs: Sent | None = (
            None if values is None else getattr(values, _DAY_ATTRIBUTES[value.field])
        )
        if theirs != value.value:
            yield value.differs(DriftReason.CHANNEL_DIFFERS, theirs)


def sort_differences(differences: Iterable[Difference]) -> tuple[Difference, ...]:
    """By unit, rate plan (the unit's own values first), channel key, night and field."""
    return tuple(
        sorted(
            differences,
            key=lambda d: (
                d.unit_name,
                str(d.unit_id),
                d.rate_plan_name is not None,
                d.rate_plan_name or "",
                d.hotel_code,
                d.room_type_code,
                d.rate_plan_code or "",
                d.night,
                _FIELD_ORDER[d.field],
                d.reason.value,
            ),
        )
    )
