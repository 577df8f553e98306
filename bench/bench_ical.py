"""iCal channel (issue 16): reconcile a feed, serve an export, and P4 for a calendar feed.

Run: ``python -m bench.bench_ical [--events 500] [--days 730] [--interval 10] [--samples 8]
[--database sqlite|postgres] [--quick]``.

1. **Reconcile a feed.** An Airbnb-style body of ``--events`` stays and blocks, written by the
   sandbox's Airbnb export (``booking_sandbox.ical.render_feed``: ``Reserved`` with the
   reservation URL and phone digits in DESCRIPTION, lines folded at 75 octets), built once.
   Timed: ``parse_feed`` alone, ``reconcile`` alone against a baseline that differs from the
   snapshot the way a day's changes do (about 10% moved, 5% vanished, 5% new, 15% of the blocks
   under a re-issued UID), and both. The floor is a bare ``icalendar.Calendar.from_ical`` of
   the same body.
2. **Serve an export.** A unit on a migrated database, booked about 60% of ``--days`` nights
   from the property's today (bookings from another channel, some of the calendar's own
   stays, which the export leaves out, and a few closures), connected as an iCal calendar.
   Timed: ``FeedService.export(token)`` as the ``/ical/{token}.ics`` route calls it, and its
   two parts (the nights read and cut into ranges; the body written).
3. **P4 for iCal.** Real processes on loopback, as ``bench_propagation``: the sandbox, our
   ``channel-manager serve`` fetching calendars every ``--interval`` seconds, and this one. A
   Booking.com hotel is connected and mapped, an Airbnb listing of the sandbox is connected
   to the unit of one of its room types, then stays are added to the listing one at a time,
   each at a random point of the fetch cycle; the latency runs from asking the sandbox for
   the stay to the sandbox receiving the OTA_HotelAvailNotifRQ for that room and first night.
   Each stay has nights of its own, so each changes the availability. The goal: one fetch
   interval (with its 10% jitter) plus at most 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
import httpx
import icalendar
from tests.e2e.flows import Tenant, connect_oauth2, map_hotel, ok
from tests.support.containers import make_settings
from tests.support.feed_world import add_booking_connection, book
from tests.support.network import free_port

from bench._common import figure, machine, postgres_url, sqlite_url
from bench.bench_propagation import (
    HOTEL,
    UNITS_PER_ROOM,
    BenchError,
    Hotel,
    _api_key,
    _channel_manager,
    _ms,
    _process,
    _service_environ,
)
from booking_sandbox.ical import EventKind, FeedCalendars, FeedStyle, render_feed
from channel_manager.adapters.ical.gateway import ICAL_CHANNEL
from channel_manager.adapters.ical.parse import parse_feed
from channel_manager.application.calendar import CalendarChangeInput
from channel_manager.application.feed_export import export_calendar
from channel_manager.container import Container, build_container
from channel_manager.domain.feed import FeedEvent, FeedEventKind, KnownEvent, reconcile
from channel_manager.domain.inventory import local_today
from channel_manager.domain.reservation import ReservationKind

#: The day the reconcile part's feed is exported on (fixed: the body is the same every run).
FEED_TODAY = date(2027, 3, 1)
ZONE = ZoneInfo("Europe/Lisbon")
AIRBNB_URL = "https://www.airbnb.com/calendar/ical/7100001.ics?s=0123456789abcdefbench"


def _seconds(values: list[float]) -> str:
    """Median and every run in ms."""
    runs = ", ".join(f"{v * 1000:.1f}" for v in values)
    return f"median {statistics.median(values) * 1000:,.1f} ms (runs: {runs})"


def _load() -> str:
    """The 1, 5 and 15 minute load averages (other work shares the machine)."""
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def _timed(runs: int, work: Callable[[], object]) -> list[float]:
    """``runs`` wall-clock durations of ``work`` after one unmeasured call."""
    work()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        values.append(time.perf_counter() - started)
    return values


# -- 1. reconcile a feed --------------------------------------------------------------------


def airbnb_body(count: int, seed: int = 16) -> bytes:
    """An Airbnb export of ``count`` events from :data:`FEED_TODAY` on: about 65% stays of
    1-2 nights, the rest one-night host blocks, back to back (500 fill about 660 nights: a
    feed covers at most the parser's window of two years ahead)."""
    rng = random.Random(seed)
    stamp = datetime(2027, 2, 27, 9, 30, tzinfo=UTC)
    calendars = FeedCalendars(lambda: stamp)
    listing = calendars.add_listing(FeedStyle.AIRBNB, "Sea View Loft")
    night = FEED_TODAY + timedelta(days=1)
    for _ in range(count):
        stay = rng.random() < 0.65
        nights = rng.randint(1, 2) if stay else 1
        kind = EventKind.STAY if stay else EventKind.BLOCK
        calendars.add_event(listing.id, kind, night, night + timedelta(days=nights))
        night += timedelta(days=nights)
    return render_feed(listing, FEED_TODAY)


def changed_baseline(events: tuple[FeedEvent, ...], seed: int = 17) -> list[KnownEvent]:
    """What the previous fetches left, against which ``events`` reconcile: 10% of them at
    other dates, 5% not there yet (new now), 15% of the blocks under another UID (Airbnb
    re-issues a running block's UID), and 5% more stays that have since vanished."""
    rng = random.Random(seed)
    baseline: list[KnownEvent] = []
    for index, event in enumerate(events):
        draw = rng.random()
        if draw < 0.05:
            continue  # new in this snapshot
        known = event
        if draw < 0.15:
            shift = timedelta(days=rng.choice((-2, -1, 1, 2)))
            known = attrs.evolve(event, start=event.start + shift, end=event.end + shift)
        elif event.kind is FeedEventKind.BLOCK and draw < 0.30:
            known = attrs.evolve(event, uid=f"reissued-{index:04d}@airbnb.com")
        baseline.append(KnownEvent(key=event.confirmation_code or event.uid or "", event=known))
    last = max(event.end for event in events)
    for number in range(round(len(events) * 0.05)):
        start = FEED_TODAY + timedelta(days=rng.randint(1, (last - FEED_TODAY).days - 5))
        code = f"HMGONE{number:04d}"
        vanished = FeedEvent(
            uid=f"gone-{number:04d}@airbnb.com",
            start=start,
            end=start + timedelta(days=rng.randint(1, 5)),
            kind=FeedEventKind.STAY,
            summary="Reserved",
            confirmation_code=code,
            phone_last_digits=f"{number:04d}",
        )
        baseline.append(KnownEvent(key=code, event=vanished))
    return baseline


def _reconcile_median(count: int) -> float:
    """The median of 3 reconciles of a feed of ``count`` events against its changed baseline."""
    events = parse_feed(airbnb_body(count), ZONE, today=FEED_TODAY).events
    baseline = changed_baseline(events)
    return statistics.median(_timed(3, lambda: reconcile(baseline, events, FEED_TODAY)))


def bench_reconcile(count: int, runs: int) -> None:
    """Part 1: parse and reconcile an Airbnb feed of ``count`` events."""
    body = airbnb_body(count)
    parsed = parse_feed(body, ZONE, today=FEED_TODAY)
    events = parsed.events
    baseline = changed_baseline(events)
    result = reconcile(baseline, events, FEED_TODAY)
    stays = sum(1 for e in events if e.kind is FeedEventKind.STAY)
    folded = body.count(b"\r\n ")
    span = (max(e.end for e in events) - FEED_TODAY).days
    print(f"1. reconcile an Airbnb feed of {count} events", flush=True)
    figure(
        "feed",
        f"{len(body):,} bytes, {len(events)} events ({stays} stays, {len(events) - stays} blocks)"
        f" over {span:,} days, {folded} folded lines, {len(parsed.problems)} problems",
    )
    figure(
        "reconciliation against the baseline",
        f"{len(baseline)} known: {len(result.new)} new, {len(result.moved)} moved,"
        f" {len(result.cancelled)} cancelled, {len(result.unchanged)} unchanged"
        f" ({len(result.reissued)} re-issued UIDs)",
    )
    floor = _timed(runs, lambda: icalendar.Calendar.from_ical(body))
    parse = _timed(runs, lambda: parse_feed(body, ZONE, today=FEED_TODAY))
    match = _timed(runs, lambda: reconcile(baseline, events, FEED_TODAY))

    def both() -> None:
        reconcile(baseline, parse_feed(body, ZONE, today=FEED_TODAY).events, FEED_TODAY)

    whole = _timed(runs, both)
    floor_median = statistics.median(floor)
    figure("floor: bare icalendar Calendar.from_ical", _seconds(floor))
    for label, values in (
        ("parse_feed", parse),
        ("reconcile", match),
        ("parse_feed + reconcile", whole),
    ):
        median = statistics.median(values)
        figure(label, _seconds(values))
        figure(
            "  events/s; ratio to the floor",
            f"{len(events) / median:,.0f}/s; {median / floor_median:.2f}x",
        )
    # How reconcile grows: it pairs every unmatched known event with every unmatched one of
    # the snapshot at each matching step.
    growth = [
        f"{size}: {_reconcile_median(size) * 1000:,.1f} ms" for size in (count // 2, count * 2)
    ]
    figure("reconcile at half and twice the events", "; ".join(growth))


# -- 2. serve an export ----------------------------------------------------------------------


@attrs.frozen
class ExportWorld:
    """A unit connected as an iCal calendar, booked over the export's window."""

    container: Container
    token: str
    connection_id: UUID
    bookings: int
    own_stays: int
    busy_nights: int
    closed_nights: int


def _export_world(database_url: str, days: int, seed: int = 18) -> ExportWorld:
    """The unit, a Booking-like connection and the calendar's connection, and bookings from
    the property's today for ``days`` nights: a stay of 1-7 nights every 0-5 nights (about
    60% occupied), one in four of them the calendar's own (Airbnb stays we imported), plus a
    fortnight closed and a closed night every two months."""
    rng = random.Random(seed)
    settings = make_settings(
        {"CM_DATABASE_URL": database_url, "CM_PUBLIC_URL": "https://cm.example"}
    )
    container = build_container(settings)
    inventory = container.inventory()
    organization = inventory.ensure_organization("Sea View Rentals")
    prop = inventory.create_property(organization.id, "Sea View", "EUR", "Europe/Lisbon")
    unit = inventory.create_unit(organization.id, prop.id, "Loft", count=1, max_occupancy=2)
    now = container.clock().now()
    booking = add_booking_connection(container, organization.id, prop.id, now)
    connected = container.feeds().connect(
        organization.id,
        channel=ICAL_CHANNEL,
        name="Airbnb - Loft",
        unit_id=unit.id,
        import_url=AIRBNB_URL,
    )
    token = connected.export_url.rsplit("/", 1)[1].removesuffix(".ics")
    today = local_today(now, prop.timezone)
    night, count, own, busy = today, 0, 0, 0
    with container.uow_factory()() as uow:
        while night < today + timedelta(days=days):
            nights = rng.randint(1, 7)
            mine = rng.random() < 0.25
            book(
                uow,
                connection_id=connected.connection.id if mine else booking.id,
                channel=ICAL_CHANNEL if mine else "booking",
                unit_id=unit.id,
                arrival=night,
                nights=nights,
                external_id=f"bench-{count:05d}",
                kind=ReservationKind.BOOKING,
            )
            count += 1
            own += mine
            busy += nights
            night += timedelta(days=nights + rng.randint(0, 5))
        uow.commit()
    closure = today + timedelta(days=rng.randint(min(60, days // 2), max(60, min(300, days - 14))))
    changes = [
        CalendarChangeInput(unit_id=unit.id, start=closure, end=closure + timedelta(days=13))
    ]
    changes += [
        CalendarChangeInput(unit_id=unit.id, start=day, end=day)
        for day in (today + timedelta(days=offset) for offset in range(20, days, 61))
    ]
    closed = len(
        {c.start + timedelta(days=n) for c in changes for n in range((c.end - c.start).days + 1)}
    )
    container.calendar().change(organization.id, [attrs.evolve(c, stop_sell=True) for c in changes])
    return ExportWorld(container, token, connected.connection.id, count, own, busy, closed)


def bench_export(days: int, runs: int, database: str) -> None:
    """Part 2: ``FeedService.export`` of a unit booked over ``days`` nights."""
    print(f"2. serve an export of {days} days ({database})", flush=True)
    with postgres_url() if database == "postgres" else sqlite_url() as url:
        world = _export_world(url, days)
        feeds = world.container.feeds()
        try:
            first, second = feeds.export(world.token), feeds.export(world.token)
            events = first.body.count(b"BEGIN:VEVENT")
            figure(
                "unit",
                f"{world.bookings:,} bookings over {days} days ({world.busy_nights:,} nights"
                f" booked; {world.own_stays} bookings are the calendar's own stays),"
                f" {world.closed_nights} nights closed",
            )
            figure("export body", f"{len(first.body):,} bytes, {events} events")
            same = first.etag == second.etag and first.body == second.body
            figure("ETag stable across two calls", "yes" if same else "NO")
            total = _timed(runs, lambda: feeds.export(world.token))
            figure("FeedService.export(token)", _seconds(total))
            figure("  events/s", f"{events / statistics.median(total):,.0f}/s")

            uow_factory = world.container.uow_factory()
            clock = world.container.clock()

            def read() -> Any:
                with uow_factory() as uow:
                    feed = uow.calendar_feeds.get(world.connection_id)
                    return export_calendar(uow, feed, clock.now(), days)

            calendar = read()
            writer = world.container.feed_writer()
            figure("  of which the nights read and cut into ranges", _seconds(_timed(runs, read)))
            figure(
                "  of which the body written (icalendar)",
                _seconds(_timed(runs, lambda: writer.render(calendar))),
            )
        finally:
            world.container.engine().dispose()


# -- 3. P4 for iCal --------------------------------------------------------------------------


class Listing:
    """The sandbox's Airbnb listing connected to one of our units."""

    def __init__(self, hotel: Hotel, listing: dict[str, Any]) -> None:
        self.hotel = hotel
        self.id = str(listing["listing_id"])
        self.feed_url = str(listing["feed_url"])

    def add_stay(self, start: date, nights: int) -> float:
        """Forget what the sandbox recorded, then add a stay: the moment it was asked for."""
        self.hotel.client.delete("/_sandbox/requests").raise_for_status()
        asked = time.time()
        response = self.hotel.client.post(
            f"/_sandbox/ical/listings/{self.id}/events",
            json={
                "kind": "stay",
                "start": start.isoformat(),
                "end": (start + timedelta(days=nights)).isoformat(),
            },
        )
        response.raise_for_status()
        return asked


@contextmanager
def _running_product(
    interval: float, database: str, workdir: Path
) -> Iterator[tuple[Listing, str]]:
    """Sandbox and service up, a hotel mapped, a listing connected to one room type's unit,
    the initial traffic over; the listing and that room type's code."""
    sandbox_url = f"http://127.0.0.1:{free_port()}"
    sandbox_port = sandbox_url.rsplit(":", 1)[1]
    sandbox_command = [sys.executable, "-m", "booking_sandbox", "--port", sandbox_port]
    with (
        postgres_url() if database == "postgres" else sqlite_url() as database_url,
        _process(sandbox_command, f"{sandbox_url}/_sandbox/health", workdir / "sandbox.log"),
    ):
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        # Booking.com's queue is left alone (no reservations are made there): polled hourly.
        environ = _service_environ(sandbox_url, public_url, database_url, 3600.0)
        environ["CM_ICAL_INTERVAL"] = f"{interval:g}s"
        environ["CM_FETCH_ALLOWED_NETWORKS"] = "127.0.0.1/32"
        key = _api_key(environ)
        serve = _channel_manager("serve", "--port", str(port))
        with _process(serve, f"{public_url}/openapi.json", workdir / "service.log", environ):
            api = httpx.Client(
                base_url=public_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
            )
            tenant = Tenant("Bench Hotels", "", api)
            booking_id = connect_oauth2(tenant, [HOTEL])
            mapped = map_hotel(tenant, booking_id, HOTEL, UNITS_PER_ROOM)
            room = mapped["room_types"][0]
            hotel = Hotel(sandbox_url)
            created = hotel.client.post(
                "/_sandbox/ical/listings", json={"style": "airbnb", "name": "Bench Loft"}
            )
            created.raise_for_status()
            listing = Listing(hotel, created.json())
            ok(
                api.post(
                    "/api/v1/connections",
                    json={
                        "channel": "ical",
                        "name": "Airbnb - Bench Loft",
                        "unit_id": room["mapped_unit_id"],
                        "import_url": listing.feed_url,
                    },
                ),
                201,
            )
            hotel.wait_quiet()
            yield listing, str(room["code"])


def bench_p4(interval: float, samples: int, database: str) -> tuple[list[float], list[float]]:
    """Part 3: ``samples`` latencies from a stay added on the listing to the availability
    received at the sandbox (after one unmeasured stay), and the wait before each.

    Each stay is added a random time after the previous one's availability arrived (just
    after a fetch): waits drawn once in each of ``samples`` equal slices of the interval, in
    a random order, so a few samples still cover the whole cycle.
    """
    rng = random.Random(16)
    waits = [interval * (slice_ + rng.random()) / samples for slice_ in range(samples)]
    rng.shuffle(waits)
    timeout = 3 * interval + 15
    latencies: list[float] = []
    # Our nights start a month ahead of the real date (the property's today is near it in
    # any zone), a stay of 2 nights every 4 days, so every stay is on nights of its own.
    first = datetime.now(UTC).date() + timedelta(days=30)
    with (
        tempfile.TemporaryDirectory() as directory,
        _running_product(interval, database, Path(directory)) as (listing, room),
    ):
        for number in range(samples + 1):
            if number:
                time.sleep(waits[number - 1])  # land anywhere in the fetch cycle
            start = first + timedelta(days=4 * number)
            asked = listing.add_stay(start, 2)
            latency = listing.hotel.decrement_arrival(asked, room, start, timeout)
            if number:  # the first warms the path up
                latencies.append(latency)
    return latencies, waits


def main() -> None:
    """Print the figures of the three parts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=500, help="events of the feed (part 1)")
    parser.add_argument("--days", type=int, default=730, help="nights of the export (part 2)")
    parser.add_argument("--interval", type=float, default=10.0, help="CM_ICAL_INTERVAL, s")
    parser.add_argument("--samples", type=int, default=8, help="stays measured (part 3)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs (parts 1 and 2)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--quick", action="store_true", help="a short run: 100 events, 90 days, 3 s, 2 samples"
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.days, args.interval, args.samples, args.runs = 100, 90, 3.0, 2, 3

    print(f"iCal on {machine()}, {args.database}, load {_load()}", flush=True)
    bench_reconcile(args.events, args.runs)
    bench_export(args.days, args.runs, args.database)
    print("3. P4 for iCal: a stay on the Airbnb calendar -> availability at Booking.com")
    latencies, waits = bench_p4(args.interval, args.samples, args.database)
    bound = args.interval * 1.1 + 1.0
    figure(f"fetch every {args.interval:g} s: stay added -> decrement", _ms(latencies))
    figure("  runs", ", ".join(f"{value:.1f}" for value in latencies) + " s")
    figure("  each after a wait of", ", ".join(f"{value:.1f}" for value in waits) + " s")
    cycles = [wait + latency for wait, latency in zip(waits, latencies, strict=True)]
    figure(
        "  wait + latency: from one fetch to the next (median, range)",
        f"{statistics.median(cycles):.1f} s ({min(cycles):.1f}-{max(cycles):.1f} s)",
    )
    figure(
        "  max",
        f"{max(latencies):.1f} s",
        goal=f"one fetch interval plus at most 1 s: <= {bound:.1f} s with 10% jitter",
        met=max(latencies) <= bound,
    )
    figure("  median / interval", f"{statistics.median(latencies) / args.interval:.2f}")
    print(f"load at the end: {_load()}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        raise SystemExit(f"bench_ical: {error}") from None
