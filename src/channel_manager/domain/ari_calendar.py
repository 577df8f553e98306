"""ARI values and the calendar: availability, rates, restrictions per key per date.

A change set says what should be true on the channel; a channel's publish policy
(``ports.channel.PublishPolicy``) shapes a change set into the requests that channel is sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta

import attrs

from channel_manager.domain.errors import InvalidDateRange, InvalidValue
from channel_manager.domain.money import Money


def _not_negative(
    _instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 0:
        raise InvalidValue(f"{attribute.name} must not be negative, got {value}")


@attrs.frozen(kw_only=True)
class DayValues:
    """Values for one date of one key. ``None`` means "not set / leave unchanged"."""

    availability: int | None = attrs.field(default=None, validator=_not_negative)
    rate: Money | None = None
    min_los: int | None = attrs.field(default=None, validator=_not_negative)
    max_los: int | None = attrs.field(default=None, validator=_not_negative)
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    stop_sell: bool | None = None

    @property
    def is_empty(self) -> bool:
        """True when no value is set at all (checked per field: this runs once per day of
        every change set)."""
        return (
            self.availability is None
            and self.rate is None
            and self.min_los is None
            and self.max_los is None
            and self.closed_to_arrival is None
            and self.closed_to_departure is None
            and self.stop_sell is None
        )

    def availability_part(self) -> DayValues:
        """Only the fields that travel in OTA_HotelAvailNotif (everything but the rate)."""
        return attrs.evolve(self, rate=None)

    def rate_part(self) -> DayValues:
        """Only the field that travels in OTA_HotelRateAmountNotif."""
        return DayValues(rate=self.rate)

    def merged(self, newer: DayValues) -> DayValues:
        """This day's values overridden by every field ``newer`` sets."""
        if self.is_empty:
            return newer  # the usual case when a change set is built: a day set once
        changes = {
            name: value
            for name, value in attrs.asdict(newer, recurse=False).items()
            if value is not None
        }
        return attrs.evolve(self, **changes)


@attrs.frozen
class AriKey:
    """Where ARI values apply: a channel hotel, room type and (for rates and restrictions)
    rate plan. Availability alone is usually per room type (``rate_plan_code=None``).
    """

    hotel_code: str
    room_type_code: str
    rate_plan_code: str | None = None

    def sort_key(self) -> tuple[str, str, str]:
        """A total order for deterministic output; a missing rate plan sorts first."""
        return (self.hotel_code, self.room_type_code, self.rate_plan_code or "")


def dates_between(start: date, end: date) -> Iterator[date]:
    """Every date from ``start`` to ``end`` inclusive; raise if ``end`` is before ``start``."""
    if end < start:
        raise InvalidDateRange(f"range end {end} is before its start {start}")
    day = start
    while True:
        yield day
        if day == end:
            return  # stop before stepping past date.max
        day += timedelta(days=1)


@attrs.frozen
class AriChangeSet:
    """AriKey -> date -> DayValues, canonical: no empty day values, no keys without days."""

    days: Mapping[AriKey, Mapping[date, DayValues]] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        canonical = {
            key: {day: values for day, values in sorted(by_day.items()) if not values.is_empty}
            for key, by_day in sorted(self.days.items(), key=lambda item: item[0].sort_key())
        }
        object.__setattr__(self, "days", {k: v for k, v in canonical.items() if v})

    @property
    def is_empty(self) -> bool:
        """True when the change set changes nothing."""
        return not self.days

    def items(self) -> Iterator[tuple[AriKey, date, DayValues]]:
        """Every (key, date, values), sorted by key then date."""
        for key, by_day in self.days.items():
            for day, values in by_day.items():
                yield key, day, values

    def hotels(self) -> tuple[str, ...]:
        """The hotel codes the change set touches, sorted."""
        return tuple(sorted({key.hotel_code for key in self.days}))

    def __len__(self) -> int:
        return sum(len(by_day) for by_day in self.days.values())


class AriChangeSetBuilder:
    """Collects values over date ranges; a later ``set`` overrides earlier fields it sets."""

    def __init__(self) -> None:
        self._days: dict[AriKey, dict[date, DayValues]] = {}

    def set(
        self,
        key: AriKey,
        start: date,
        end: date,
        *,
        availability: int | None = None,
        rate: Money | None = None,
        min_los: int | None = None,
        max_los: int | None = None,
        closed_to_arrival: bool | None = None,
        closed_to_departure: bool | None = None,
        stop_sell: bool | None = None,
    ) -> AriChangeSetBuilder:
        """Set the given values for every date from ``start`` to ``end`` inclusive."""
        values = DayValues(
            availability=availability,
            rate=rate,
            min_los=min_los,
            max_los=max_los,
            closed_to_arrival=closed_to_arrival,
            closed_to_departure=closed_to_departure,
            stop_sell=stop_sell,
        )
        return self.set_values(key, start, end, values)

    def set_values(
        self, key: AriKey, start: date, end: date, values: DayValues
    ) -> AriChangeSetBuilder:
        """Like :meth:`set` with a ready :class:`DayValues`."""
        by_day = self._days.setdefault(key, {})
        for day in dates_between(start, end):
            by_day[day] = by_day.get(day, DayValues()).merged(values)
        return self

    def build(self) -> AriChangeSet:
        """The canonical change set collected so far."""
        return AriChangeSet({key: dict(by_day) for key, by_day in self._days.items()})
