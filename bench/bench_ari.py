"""P3 ARI: a year of rates, availability and restrictions compressed into OTA requests.

Run: ``python -m bench.bench_ari [--rooms 50] [--plans 3] [--days 365] [--repeat 5]``.

The scenario (one hotel, deterministic seed) is what a hotel loads when it connects: per room
type a sellable count that drifts as bookings come and go; per room type and rate plan a price
by season with a weekend premium, a minimum stay of two nights on Friday and Saturday (three at
Christmas) and the non-refundable plan closed over Christmas. The product path is timed:
``compress`` (the change set -> the fewest requests) and the XML encoding of every request.

The floor, built and encoded in the same run, sends every day value as its own request (one
per key, day and message kind), which is what a channel manager without compression does.

With a weekend price and minimum stay every value changes about twice a week, so a maximal run
is ~3.5 days and no range-based encoding reaches 10x fewer bytes than one request per day (a
RateAmountMessage alone is ~270 bytes). The same year without weekend patterns (seasons only)
is measured too, to show what the policy does with long runs. OTA's day-of-week flags on
StatusApplicationControl could fold weekly patterns, but Booking.com does not document them.

The message count is checked against an independent count of maximal runs: per hotel, room
type, rate plan and OTA message kind, consecutive days whose values (everything that message
kind carries) are equal, split where the product's request limits split them (one hotel and
one calendar month per request). The per-field count (each value on its own) is printed too.
"""

from __future__ import annotations

import argparse
import builtins
import random
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta

import attrs
from lxml import etree
from tests.support.markup import elements

from bench._common import figure, machine
from channel_manager.adapters.booking.ari_push import (
    EncodedPush,
    encode_avail_request,
    encode_rate_request,
)
from channel_manager.adapters.booking.publish_policy import compress
from channel_manager.domain.ari import (
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    AriRequest,
    AvailRequest,
    DayValues,
)
from channel_manager.domain.money import Money

HOTEL = "1000001"
PLANS = ("STD", "NREF", "BB")  # standard, non-refundable, bed and breakfast
GOAL_SECONDS = 0.5
GOAL_BYTE_RATIO = 10.0
#: Season price factors by month (low in winter, high in summer).
SEASON = {1: 0.8, 2: 0.8, 3: 0.9, 4: 1.0, 5: 1.1, 6: 1.3, 7: 1.5, 8: 1.5, 9: 1.2, 10: 1.0}
SEASON_DEFAULT = 0.85  # November and December outside Christmas
CHRISTMAS = (date(2027, 12, 20), date(2027, 12, 31))


@attrs.frozen
class Scenario:
    """The generated year: every (key, day, values) the hotel sets, before the product sees it."""

    days: dict[AriKey, dict[date, DayValues]]

    def change_set(self) -> AriChangeSet:
        """The change set the product receives (built through the public builder)."""
        builder = AriChangeSetBuilder()
        for key, by_day in self.days.items():
            for day, values in by_day.items():
                builder.set_values(key, day, day, values)
        return builder.build()

    def __len__(self) -> int:
        return sum(len(by_day) for by_day in self.days.values())


def _christmas(day: date) -> bool:
    return CHRISTMAS[0] <= day <= CHRISTMAS[1]


def _weekend(day: date) -> bool:
    return day.weekday() in (4, 5)  # Friday and Saturday nights


def _price(room: int, plan: str, day: date, weekends: bool) -> Money:
    """Whole euros: the room's base by season, +20% on weekends, plan on top."""
    factor = 1.8 if _christmas(day) else SEASON.get(day.month, SEASON_DEFAULT)
    base = (90 + 4 * room) * factor * (1.2 if weekends and _weekend(day) else 1.0)
    if plan == "NREF":
        base *= 0.9
    elif plan == "BB":
        base += 18
    return Money.of(str(round(base)), "EUR")


def _availability(rng: random.Random, rooms: int, dates: list[date]) -> dict[date, int]:
    """Rooms left after bookings: most arrive within weeks, a few months ahead; 1-14 nights."""
    booked = dict.fromkeys(dates, 0)
    for _ in range(10 * rooms):
        arrival = int(rng.expovariate(1 / 45))
        nights = min(14, 1 + int(rng.expovariate(1 / 2.5)))
        for offset in range(arrival, min(arrival + nights, len(dates))):
            booked[dates[offset]] += 1
    return {day: max(0, rooms - booked[day]) for day in dates}


def _min_stay(day: date, weekends: bool) -> int:
    if _christmas(day):
        return 3
    return 2 if weekends and _weekend(day) else 1


def scenario(
    rooms: int, plans: int, days: int, *, weekends: bool = True, seed: int = 7
) -> Scenario:
    """One hotel: ``rooms`` room types x ``plans`` rate plans over ``days`` days from 2027-01-01.

    ``weekends=False`` drops the weekend price and minimum stay (seasons only).
    """
    rng = random.Random(seed)
    dates = [date(2027, 1, 1) + timedelta(days=offset) for offset in range(days)]
    by_key: dict[AriKey, dict[date, DayValues]] = {}
    for room in range(rooms):
        room_code = f"{HOTEL}{room:02d}"
        sellable = _availability(rng, 4 + room % 9, dates)
        by_key[AriKey(HOTEL, room_code)] = {
            day: DayValues(availability=sellable[day]) for day in dates
        }
        for plan in PLANS[:plans]:
            by_key[AriKey(HOTEL, room_code, plan)] = {
                day: DayValues(
                    rate=_price(room, plan, day, weekends),
                    min_los=_min_stay(day, weekends),
                    stop_sell=_christmas(day) if plan == "NREF" else None,
                )
                for day in dates
            }
    return Scenario(by_key)


# -- the independent count ------------------------------------------------------------------

_AVAIL_FIELDS = (
    "availability",
    "min_los",
    "max_los",
    "closed_to_arrival",
    "closed_to_departure",
    "stop_sell",
)


def _count_runs(values_by_day: Iterable[tuple[date, object]]) -> int:
    """Maximal runs of equal values on consecutive days of one calendar month."""
    runs = 0
    previous: tuple[date, object] | None = None
    for day, value in values_by_day:
        continues = (
            previous is not None
            and value == previous[1]
            and day - previous[0] == timedelta(days=1)
            and (day.year, day.month) == (previous[0].year, previous[0].month)
        )
        runs += not continues
        previous = (day, value)
    return runs


def _series(
    by_day: dict[date, DayValues], fields: tuple[str, ...]
) -> Iterator[tuple[date, object]]:
    """The days (sorted) on which any of ``fields`` is set, with those fields' values."""
    for day in sorted(by_day):
        value = tuple(getattr(by_day[day], name) for name in fields)
        if any(part is not None for part in value):
            yield day, value


def maximal_runs(days: dict[AriKey, dict[date, DayValues]]) -> tuple[int, int]:
    """(runs per key and message kind, runs per key and single field) over the scenario."""
    by_kind = 0
    by_field = 0
    for by_day in days.values():
        by_kind += _count_runs(_series(by_day, _AVAIL_FIELDS))
        by_kind += _count_runs(_series(by_day, ("rate",)))
        for name in (*_AVAIL_FIELDS, "rate"):
            by_field += _count_runs(_series(by_day, (name,)))
    return by_kind, by_field


# -- the product path and the floor ---------------------------------------------------------


def encode(request: AriRequest) -> EncodedPush:
    """The XML the outbox dispatcher sends for ``request``."""
    if isinstance(request, AvailRequest):
        return encode_avail_request(request)
    return encode_rate_request(request)


def compress_and_encode(change_set: AriChangeSet) -> tuple[tuple[AriRequest, ...], list[bytes]]:
    """What the product does between a change set and the bytes on the wire."""
    requests = compress(change_set)
    return requests, [encode(request).body for request in requests]


def one_per_day(change_set: AriChangeSet) -> Iterator[AriRequest]:
    """The floor: every day value of every key as its own request, availability and rate apart."""
    for key, by_day in change_set.days.items():
        for day, values in by_day.items():
            for part in (values.availability_part(), values.rate_part()):
                if not part.is_empty:
                    yield from compress(AriChangeSet({key: {day: part}}))


def ota_messages(bodies: Iterable[bytes]) -> int:
    """AvailStatusMessage and RateAmountMessage elements in the encoded bodies."""
    count = 0
    for body in bodies:
        root = etree.fromstring(body)
        count += len(elements(root, "//*[local-name()='AvailStatusMessage']"))
        count += len(elements(root, "//*[local-name()='RateAmountMessage']"))
    return count


def _seconds(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``work`` (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


@attrs.frozen
class Sizes:
    """Requests, OTA messages and bytes of one way of sending a change set."""

    requests: int
    messages: int
    bytes: int

    @classmethod
    def of(cls, bodies: list[builtins.bytes]) -> Sizes:  # `bytes` alone is the field
        return cls(len(bodies), ota_messages(bodies), sum(map(len, bodies)))


def _sizes_line(product: Sizes, floor: Sizes) -> str:
    return (
        f"{product.requests:,} requests, {product.messages:,} messages, {product.bytes:,} B"
        f" vs {floor.requests:,} requests, {floor.bytes:,} B"
    )


def run(year: Scenario, label: str, repeat: int) -> None:
    """Time the product path on ``year`` and print its figures against the floor."""
    change_set = year.change_set()
    timings = [_seconds(lambda: compress_and_encode(change_set)) for _ in range(repeat)]
    seconds = statistics.median(wall for wall, _cpu in timings)
    cpu_seconds = statistics.median(cpu for _wall, cpu in timings)
    requests, bodies = compress_and_encode(change_set)
    floor_started = time.perf_counter()
    floor_bodies = [encode(request).body for request in one_per_day(change_set)]
    floor_seconds = time.perf_counter() - floor_started
    product, floor = Sizes.of(bodies), Sizes.of(floor_bodies)
    ranges = sum(len(request.items) for request in requests)
    runs, runs_per_field = maximal_runs(year.days)
    ratio = floor.bytes / product.bytes

    print(f"  -- {label}: {len(year):,} key-days", flush=True)
    figure(
        "compress + encode (median)",
        f"{seconds * 1000:,.0f} ms, CPU {cpu_seconds * 1000:,.0f} ms"
        f"  (runs: {', '.join(f'{wall * 1000:.0f}' for wall, _cpu in timings)} ms)",
        f"<= {GOAL_SECONDS * 1000:.0f} ms",
        seconds <= GOAL_SECONDS,
    )
    figure("  floor: build + encode one request per day value", f"{floor_seconds * 1000:,.0f} ms")
    figure("sent vs one request per day value", _sizes_line(product, floor))
    figure(
        "bytes, ratio to the floor",
        f"{ratio:.1f}x fewer ({floor.requests / runs:.1f} days per run)",
        f">= {GOAL_BYTE_RATIO:.0f}x fewer",
        ratio >= GOAL_BYTE_RATIO,
    )
    figure(
        "OTA messages (ranges) vs maximal runs, counted apart",
        f"{product.messages:,} messages, {ranges:,} ranges; {runs:,} runs",
        "messages = runs",
        product.messages == ranges == runs,
    )
    figure("  maximal runs counting each field on its own", f"{runs_per_field:,}")
    if ratio < GOAL_BYTE_RATIO:
        per_message = product.bytes / product.messages
        needed = floor.bytes / GOAL_BYTE_RATIO / product.messages
        figure(
            "  why: ranges need one message per maximal run",
            f"{per_message:.0f} B per message; {GOAL_BYTE_RATIO:.0f}x needs <= {needed:.0f} B",
        )


def main() -> None:
    """Print the figures: the realistic year, then the same year without weekend patterns."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--plans", type=int, default=3, choices=range(1, len(PLANS) + 1))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(f"P3 ARI on {machine()}", flush=True)
    shape = f"{args.rooms} room types x {args.plans} rate plans x {args.days} days"
    run(scenario(args.rooms, args.plans, args.days), f"{shape}, seasons and weekends", args.repeat)
    run(
        scenario(args.rooms, args.plans, args.days, weekends=False),
        f"{shape}, seasons only (no weekend price or stay)",
        args.repeat,
    )


if __name__ == "__main__":
    main()
