"""What a feed connection's export shows: the nights its unit has no room left to sell,
counting every *other* channel's bookings and blocks and our closures.

The consumer's own stays are added back before deciding (CHANNELS.md "Our export"): a night
busy only because of what that same calendar brought us would echo its own events back to
it, and echo loops between platforms are a known source of phantom blocks. A unit with several
rooms is busy on a night only when none is left.

The availability math is the calendar's own (:func:`sellable_nights`: the rooms to sell set
for the night, else the unit's count, minus the rooms booked); this module only decides which
nights count and cuts them into ranges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from channel_manager.application.calendar_fanout import sellable_nights
from channel_manager.domain.ari import dates_between
from channel_manager.domain.availability import occupancy
from channel_manager.domain.feed import BusyRange, CalendarFeed, ExportCalendar
from channel_manager.domain.inventory import Property, Unit, local_today
from channel_manager.ports.repositories import UnitOfWork

#: Nights an export covers from the property's today: two years, as far ahead as Airbnb and
#: Vrbo take bookings.
EXPORT_DAYS = 730
#: The SUMMARY of every exported event: no guest data, no channel named.
BUSY_SUMMARY = "Not available"


def busy_uid(start: date, connection_id: UUID) -> str:
    """The UID of a busy range: its first night and the consuming connection, so it stays
    the same from one fetch to the next while the range starts on the same night (a range
    that grows or shrinks at its end is the same event, modified; the connection in it keeps
    two consumers' events apart)."""
    return f"{start:%Y%m%d}-{connection_id}@channel-manager"


def day_stamp(today: date, timezone: str) -> datetime:
    """The DTSTAMP of an export served on the property's ``today``: the start of that day in
    the property's zone, in UTC. Stable all day, so an unchanged calendar gives a byte-for-
    byte unchanged body (and ETag) between fetches; it moves once a day, when the window
    moves on anyway."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)


def ranges_of(nights: Iterable[date], connection_id: UUID) -> tuple[BusyRange, ...]:
    """Consecutive nights as ranges (``end`` the day after the last night)."""
    return tuple(
        BusyRange(
            uid=busy_uid(first, connection_id),
            start=first,
            end=last + timedelta(days=1),
            summary=BUSY_SUMMARY,
        )
        for first, last in _runs(sorted(set(nights)))
    )


def _runs(nights: list[date]) -> Iterator[tuple[date, date]]:
    """(first, last) of each run of consecutive nights in sorted ``nights``."""
    if not nights:
        return
    first = last = nights[0]
    for night in nights[1:]:
        if night == last + timedelta(days=1):
            last = night
            continue
        yield first, last
        first = last = night
    yield first, last


def busy_nights(
    uow: UnitOfWork, feed: CalendarFeed, unit: Unit, first: date, last: date
) -> list[date]:
    """The nights ``first..last`` (inclusive) on which ``unit`` has no room left to sell for
    the feed's consumer, and the nights we closed (stop-sell on the unit); every night when
    the connection's rules stop selling on it (stop-sell, or a cap of 0; a cap of one room or
    more changes nothing here: a night is busy only when no room is left).

    No room is left when every booking and block (the consumer's own included) and what we
    set to sell leave none; but never because of the consumer's own stays alone, which it
    knows and which, shown back, would come back from it as blocks (an echo). So a one-room
    unit is busy for its own calendar's stay only through another channel's booking, and a
    three-room unit with two of the consumer's stays and one booking elsewhere is busy."""
    nights = list(dates_between(first, last))
    if uow.connection_rules.get(feed.connection_id).blocks_every_night:
        return nights  # the connection's rules sell nothing on it (stop-sell, or a cap of 0)
    by_unit = {unit.id: nights}
    booked = uow.booked_nights.booked(by_unit)[unit.id]
    own = _own_rooms(uow, feed.connection_id, unit.id, first, last)
    others = {night: max(0, booked.get(night, 0) - own[night]) for night in nights}
    left_to_others = sellable_nights(uow, by_unit, {unit.id: others})[unit.id]
    closed = {
        stored.night
        for stored in uow.calendar.window([unit.id], first, last)
        if stored.rate_plan_id is None and stored.values.stop_sell
    }
    # What the others leave, the consumer's own stays take first: none left means busy,
    # unless those own stays alone fill the unit (then it is only an echo).
    return [
        night
        for night in nights
        if night in closed
        or left_to_others[night] <= 0
        or left_to_others[night] <= own[night] < unit.count
    ]


def _own_rooms(
    uow: UnitOfWork, connection_id: UUID, unit_id: UUID, first: date, last: date
) -> Counter[date]:
    """Rooms of ``unit_id`` the connection's own reservations take per night."""
    rooms: Counter[date] = Counter()
    for reservation in uow.reservations.list_overlapping(unit_id, first, last):
        if reservation.connection_id != connection_id:
            continue
        for (unit, night), count in occupancy(reservation).items():
            if unit == unit_id and first <= night <= last:
                rooms[night] += count
    return rooms


def export_calendar(
    uow: UnitOfWork,
    feed: CalendarFeed,
    now: datetime,
    days: int = EXPORT_DAYS,
) -> ExportCalendar:
    """The calendar served to the feed's consumer: the busy ranges of its unit from the
    property's today for ``days`` nights."""
    unit = uow.units.get(feed.unit_id)
    prop: Property = uow.properties.get(unit.property_id)
    today = local_today(now, prop.timezone)
    last = today + timedelta(days=days - 1)
    nights = busy_nights(uow, feed, unit, today, last)
    return ExportCalendar(
        name=f"{prop.name} - {unit.name}",
        ranges=ranges_of(nights, feed.connection_id),
        stamp=day_stamp(today, prop.timezone),
    )
