"""The rates and availability form, its preview (the OTA messages that would be sent) and
the calendar grid of what was last sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from uuid import UUID

import attrs

from channel_manager.adapters.booking.ari_push import encode_avail_request, encode_rate_request
from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.ari import (
    AriChangeSet,
    AriKey,
    AriRequest,
    AvailRequest,
    DayValues,
    compress,
    expand,
)
from channel_manager.domain.sync import OutboundMessage, OutboundState
from channel_manager.entrypoints.web.common import (
    FormData,
    FormError,
    day,
    required_text,
    text,
    tri_state,
    whole_number,
)

#: The longest range one form submission may cover (Booking.com accepts two years ahead).
MAX_RANGE_DAYS = 731


def parse_change(form: FormData, hotel_code: str) -> AriChangeInput:
    """One change over a date range from the form; at least one value must be set."""
    start = day(form, "start", "Start date")
    end = day(form, "end", "End date")
    if end < start:
        raise FormError("End date must not be before the start date")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise FormError(f"A change may cover at most {MAX_RANGE_DAYS} days")
    change = AriChangeInput(
        hotel_code=hotel_code,
        room_type_code=required_text(form, "room_type_code", "Room type"),
        rate_plan_code=text(form, "rate_plan_code"),
        start=start,
        end=end,
        availability=whole_number(form, "availability", "Rooms to sell"),
        # Checked with the currency by ``AriService`` (``checked_rate``), where a push and
        # the REST API check it too: one path, one message.
        rate=text(form, "rate"),
        min_los=whole_number(form, "min_los", "Minimum stay", 1),
        max_los=whole_number(form, "max_los", "Maximum stay", 1),
        closed_to_arrival=tri_state(form, "closed_to_arrival"),
        closed_to_departure=tri_state(form, "closed_to_departure"),
        stop_sell=tri_state(form, "stop_sell"),
    )
    values = attrs.astuple(change)[5:]
    if all(value is None for value in values):
        raise FormError("Set at least one value: rooms to sell, rate or a restriction")
    if change.rate is not None and change.rate_plan_code is None:
        raise FormError("Choose the rate plan the rate is for")
    return change


@attrs.frozen
class PreviewMessage:
    """One OTA request that a push would send, with its XML body."""

    name: str
    request: AriRequest
    xml: str


def preview(change_set: AriChangeSet) -> list[PreviewMessage]:
    """The compressed requests for ``change_set`` as the Booking.com adapter encodes them."""
    messages = []
    for request in compress(change_set):
        if isinstance(request, AvailRequest):
            name, body = "OTA_HotelAvailNotifRQ", encode_avail_request(request).body
        else:
            name, body = "OTA_HotelRateAmountNotifRQ", encode_rate_request(request).body
        messages.append(PreviewMessage(name, request, body.decode("utf-8")))
    return messages


@attrs.frozen
class CalendarCell:
    """What a grid cell shows: the values last sent, and the pushes still carrying values
    for it (queued or in flight; ``rates.js`` follows them to their outcome)."""

    values: DayValues
    open_pushes: tuple[UUID, ...] = ()

    @property
    def queued(self) -> bool:
        """True while a push for this cell is not confirmed yet."""
        return bool(self.open_pushes)


@attrs.frozen
class CalendarRow:
    """One row of the grid: a room type (rate plan ``None``) or a room type and rate plan."""

    room_type_code: str
    room_type_name: str
    rate_plan_code: str | None
    rate_plan_name: str | None
    cells: tuple[CalendarCell, ...]


def days_from(start: date, count: int) -> list[date]:
    """``count`` consecutive dates from ``start``."""
    return [start + timedelta(days=offset) for offset in range(count)]


def calendar_rows(
    hotel_code: str,
    rooms: Iterable[tuple[str, str]],
    plans: Iterable[tuple[str, str]],
    dates: list[date],
    pushes: Iterable[OutboundMessage],
) -> list[CalendarRow]:
    """Grid rows per room (and room x rate plan) with the last values sent or queued.

    Failed pushes are left out: their values never reached the channel.
    """
    ordered = sorted(
        (p for p in pushes if p.hotel_code == hotel_code and p.state is not OutboundState.FAILED),
        key=lambda p: p.created_at,
    )
    sent = expand(p.payload for p in ordered).days
    open_by_day = _open_pushes_by_day(p for p in ordered if p.state is not OutboundState.DELIVERED)
    plan_list = list(plans)
    rows = []
    for room_code, room_name in rooms:
        for plan_code, plan_name in [(None, None), *plan_list]:
            key = AriKey(hotel_code, room_code, plan_code)
            by_day = sent.get(key, {})
            still_open = open_by_day.get(key, {})
            rows.append(
                CalendarRow(
                    room_type_code=room_code,
                    room_type_name=room_name,
                    rate_plan_code=plan_code,
                    rate_plan_name=plan_name,
                    cells=tuple(
                        CalendarCell(by_day.get(d, DayValues()), tuple(still_open.get(d, ())))
                        for d in dates
                    ),
                )
            )
    return rows


def _open_pushes_by_day(
    pushes: Iterable[OutboundMessage],
) -> dict[AriKey, dict[date, list[UUID]]]:
    """For every key and day, the ids of the open pushes carrying a value for it."""
    found: dict[AriKey, dict[date, list[UUID]]] = {}
    for push in pushes:
        for key, by_day in expand([push.payload]).days.items():
            for night in by_day:
                found.setdefault(key, {}).setdefault(night, []).append(push.id)
    return found
