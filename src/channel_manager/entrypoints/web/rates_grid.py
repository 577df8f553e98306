"""The rates page's grid: our calendar (``CalendarService``), never what was sent.

A row per unit of the hotel's property (rooms left to sell, booked, the unit's closures) and
per unit and rate plan (rate and restrictions); rows the picked connection maps carry its
channel codes. Every cell has a mark per connection where its values went: delivered, queued
or failed, the failed one linking to the push that failed. ``static/rates.js`` turns queued
marks into delivered or failed as it follows a push (the pushes still open are on the marks).

The window is a month: from the first day shown to the day before the same day a month
later, so a month picked (its first day) is shown whole.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from urllib.parse import urlencode
from uuid import UUID

import attrs

from channel_manager.application.calendar import CalendarWithPushes, ChannelDelivery
from channel_manager.application.mapping_views import HotelView
from channel_manager.domain.calendar import DeliveryState
from channel_manager.domain.sync import OutboundState
from channel_manager.entrypoints.web.common import FIRST_DATE, LAST_DATE, FormError

#: Months before and after today the month picker offers (ARI may be set three years ahead).
MONTHS_BACK = 12
MONTHS_AHEAD = 37
#: Push states a mark still waits for.
_OPEN = frozenset({OutboundState.PENDING, OutboundState.IN_FLIGHT})
_SYMBOLS = {
    DeliveryState.DELIVERED: "✓",
    DeliveryState.QUEUED: "◷",
    DeliveryState.FAILED: "!",
}


@attrs.frozen(kw_only=True)
class DeliveryMark:
    """Where a cell's values stand on one connection: ``open_pushes`` are still on their way,
    ``failed_push`` is one that failed (the mark links to it)."""

    connection_id: UUID
    label: str
    state: DeliveryState
    open_pushes: tuple[UUID, ...] = ()
    failed_push: UUID | None = None
    #: What this connection receives when its rules (issue 18) make it differ from ours:
    #: ``115.00``, ``2 left``, ``stop sell``; ``None`` when it receives our values.
    receives: str | None = None

    @property
    def text(self) -> str:
        """``Booking.com · Harbour View Hotel: delivered``: the mark's accessible label."""
        if self.receives:
            return f"{self.label}: {self.state.value}, receives {self.receives}"
        return f"{self.label}: {self.state.value}"

    @property
    def symbol(self) -> str:
        """What the mark shows (colour is not the only difference)."""
        return _SYMBOLS[self.state]

    @property
    def history_url(self) -> str | None:
        """The push history filtered to the failed push, for a failed mark."""
        if self.failed_push is None:
            return None
        return push_history_url(self.connection_id, self.failed_push)


def push_history_url(connection_id: UUID, push_id: UUID) -> str:
    """The push history showing one push of one connection."""
    query = urlencode({"connection_id": str(connection_id), "push": str(push_id)})
    return f"/pushes?{query}#push-{push_id}"


@attrs.frozen(kw_only=True)
class GridCell:
    """One night of a row as our calendar holds it, with its marks. A unit row has
    ``left_to_sell`` and ``booked``; a rate plan row has ``rate``."""

    night: date
    rate: str | None = None
    left_to_sell: int | None = None
    rooms_to_sell: int | None = None
    booked: int | None = None
    #: More rooms booked than the unit has (an overbooking: see /overbookings).
    overbooked: bool = False
    min_stay: int | None = None
    max_stay: int | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    stop_sell: bool | None = None
    marks: tuple[DeliveryMark, ...] = ()

    @property
    def open_pushes(self) -> tuple[UUID, ...]:
        """The pushes still carrying values of this cell, on any connection."""
        return tuple(dict.fromkeys(p for mark in self.marks for p in mark.open_pushes))

    @property
    def queued(self) -> bool:
        """True while a connection has not received the values yet."""
        return any(mark.state is DeliveryState.QUEUED for mark in self.marks)

    @property
    def failed(self) -> bool:
        """True when a connection did not take the values."""
        return any(mark.state is DeliveryState.FAILED for mark in self.marks)


@attrs.frozen(kw_only=True)
class GridRow:
    """A unit (``rate_plan_id`` ``None``) or a unit and rate plan; ``codes`` are the picked
    connection's room type (and rate plan) codes, ``None`` when it does not map the row."""

    unit_id: UUID
    unit_name: str
    rate_plan_id: UUID | None = None
    rate_plan_name: str | None = None
    codes: str | None = None
    cells: tuple[GridCell, ...]


def grid_rows(
    reading: CalendarWithPushes, hotel: HotelView, labels: Mapping[UUID, str]
) -> list[GridRow]:
    """The grid of the hotel's property: every unit, then every rate plan of it; ``labels``
    name the connections (a connection missing from it is named by its channel)."""
    rooms = {r.mapped_unit_id: r.code for r in hotel.room_types if r.mapped_unit_id}
    plans = {p.mapped_rate_plan_id: p.code for p in hotel.rate_plans if p.mapped_rate_plan_id}
    marks = _Marks(reading.push_states, labels)
    rows = []
    for unit in reading.calendar.units:
        room_code = rooms.get(unit.unit_id)
        rows.append(
            GridRow(
                unit_id=unit.unit_id,
                unit_name=unit.name,
                codes=room_code,
                cells=tuple(
                    GridCell(
                        night=n.night,
                        left_to_sell=n.availability,
                        rooms_to_sell=n.rooms_to_sell,
                        booked=n.rooms_booked,
                        overbooked=(n.rooms_booked or 0) > unit.count,
                        min_stay=n.min_stay,
                        max_stay=n.max_stay,
                        closed_to_arrival=n.closed_to_arrival,
                        closed_to_departure=n.closed_to_departure,
                        stop_sell=n.stop_sell,
                        marks=marks.of(n.channels, left=n.availability, stop_sell=n.stop_sell),
                    )
                    for n in unit.nights
                ),
            )
        )
        for plan in unit.rate_plans:
            plan_code = plans.get(plan.rate_plan_id)
            rows.append(
                GridRow(
                    unit_id=unit.unit_id,
                    unit_name=unit.name,
                    rate_plan_id=plan.rate_plan_id,
                    rate_plan_name=plan.name,
                    codes=f"{room_code} / {plan_code}" if room_code and plan_code else None,
                    cells=tuple(
                        GridCell(
                            night=n.night,
                            rate=n.rate,
                            min_stay=n.min_stay,
                            max_stay=n.max_stay,
                            closed_to_arrival=n.closed_to_arrival,
                            closed_to_departure=n.closed_to_departure,
                            stop_sell=n.stop_sell,
                            marks=marks.of(n.channels, rate=n.rate, stop_sell=n.stop_sell),
                        )
                        for n in plan.nights
                    ),
                )
            )
    return rows


@attrs.frozen
class _Marks:
    push_states: Mapping[UUID, OutboundState]
    labels: Mapping[UUID, str]

    def of(
        self,
        channels: tuple[ChannelDelivery, ...],
        *,
        rate: str | None = None,
        left: int | None = None,
        stop_sell: bool | None = None,
    ) -> tuple[DeliveryMark, ...]:
        """A mark per connection that holds (or should hold) the night's values, saying what
        it receives where its rules change ours (``rate``, ``left`` to sell, ``stop_sell``)."""
        return tuple(
            DeliveryMark(
                connection_id=delivery.connection_id,
                label=self.labels.get(delivery.connection_id, delivery.channel),
                state=delivery.state,
                open_pushes=tuple(p for p in delivery.push_ids if self._state(p) in _OPEN),
                failed_push=next(
                    (p for p in delivery.push_ids if self._state(p) is OutboundState.FAILED),
                    None,
                ),
                receives=_receives(delivery, rate, left, stop_sell),
            )
            for delivery in channels
            if delivery.state is not None
        )

    def _state(self, push_id: UUID) -> OutboundState | None:
        return self.push_states.get(push_id)


def _receives(
    delivery: ChannelDelivery, rate: str | None, left: int | None, stop_sell: bool | None
) -> str | None:
    """What the connection receives that differs from ours, for a person; ``None`` if
    nothing does."""
    if delivery.stop_sell and not stop_sell:
        return "stop sell"
    if rate is not None and delivery.rate is not None and delivery.rate != rate:
        return delivery.rate
    if left is not None and delivery.availability is not None and delivery.availability != left:
        return f"{delivery.availability} left"
    return None


# -- the window ---------------------------------------------------------------------------


def first_of_month(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (the 31st becomes the month's last day when it has none)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def window_end(start: date) -> date:
    """The last night shown from ``start``: the day before the same day a month later (a
    month's last day when ``start`` is its first)."""
    return add_months(start, 1) - timedelta(days=1)


def previous_month(start: date) -> date:
    """Where "previous month" goes: the first of ``start``'s month, or of the month before
    when ``start`` is already a first."""
    first = first_of_month(start)
    return first if first != start else add_months(first, -1)


def next_month(start: date) -> date:
    """Where "next month" goes: the first of the month after ``start``'s."""
    return add_months(first_of_month(start), 1)


def parse_month(text: str) -> date:
    """The first day of a ``YYYY-MM`` month; a ``FormError`` for anything else."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        first = date(year, month, 1)
    except (ValueError, OverflowError):
        raise FormError("Month must be a month like 2028-03") from None
    if not FIRST_DATE <= first <= LAST_DATE:
        raise FormError(f"Month must lie from {FIRST_DATE:%Y-%m} to {LAST_DATE:%Y-%m}")
    return first


def month_choices(today: date, shown: date) -> list[tuple[str, str]]:
    """``(YYYY-MM, "March 2028")`` for the month picker: a year back to three years ahead of
    ``today``, and ``shown``'s month wherever it is."""
    first = add_months(first_of_month(today), -MONTHS_BACK)
    months = {add_months(first, step) for step in range(MONTHS_BACK + MONTHS_AHEAD + 1)}
    months.add(first_of_month(shown))
    return [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in sorted(months)]
