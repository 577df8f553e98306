"""OTA codec and ARI compression speed: the hot paths of reservation intake and rate pushes.

Run: ``python -m bench.bench_codec [--repeat N] [--messages N] [--runs N]``. Prints one line
per figure:
- P1 codec: the bench_ingest messages (Booking.com-style OTA_HotelResNotifRQ, 1-3 rooms,
  1-14 nights) per second through bare ``lxml.etree.fromstring`` (the floor), the hardened
  parse alone (``parse_xml``) and the codec (``decode_res_notif_rq``), each run and the
  median, and the codec's time against the floor in each run and their median (goal: at
  most 3x). The three alternate within each run and are timed in CPU time of this process,
  so other processes on a shared machine disturb them less than a wall clock;
- parsing a Booking.com-style multi-room OTA_HotelResNotifRQ (hardened parser) per second;
- compressing a year of daily values for 20 room types into OTA requests, and how many requests
  and ranges that became (the compression ratio is the point of the policy);
- encoding those requests to XML per second.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

from bench._common import figure, machine
from bench.bench_ingest import GOAL_CODEC_RATIO, generate_messages
from channel_manager.adapters.booking.ari_push import encode_avail_request, encode_rate_request
from channel_manager.adapters.booking.ota.parser import parse_xml
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.publish_policy import compress
from channel_manager.domain.ari import AriChangeSetBuilder, AriKey, AvailRequest
from channel_manager.domain.money import Money

SAMPLE = Path(__file__).parent.parent / "tests/resources/booking/booking_res_notif_multi_room.xml"


def _rate(label: str, count: int, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    for _ in range(count):
        work()
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {count / elapsed:>12,.0f} /s  ({elapsed * 1000 / count:.3f} ms each)")


def measure_decode(messages: Sequence[bytes], runs: int) -> None:
    """Floor, hardened parse and codec over ``messages``: every run, the medians, the ratio."""
    readers: dict[str, Callable[[bytes], object]] = {
        "floor: bare lxml.etree.fromstring": etree.fromstring,
        "hardened parse alone (parse_xml)": parse_xml,
        "codec: decode_res_notif_rq": decode_res_notif_rq,
    }
    seconds: dict[str, list[float]] = {label: [] for label in readers}
    for _ in range(runs):
        for label, read in readers.items():
            started = time.process_time()
            for body in messages:
                read(body)
            seconds[label].append(time.process_time() - started)
    floor = statistics.median(seconds["floor: bare lxml.etree.fromstring"])
    for label, times in seconds.items():
        median = statistics.median(times)
        each = ", ".join(f"{len(messages) / elapsed:,.0f}" for elapsed in times)
        figure(
            label,
            f"{len(messages) / median:8,.0f} msg/s  {median / floor:5.2f}x lxml  (runs: {each})",
        )
    ratios = [
        codec / lxml
        for codec, lxml in zip(
            seconds["codec: decode_res_notif_rq"],
            seconds["floor: bare lxml.etree.fromstring"],
            strict=True,
        )
    ]
    # The median of the runs' own ratios: floor and codec of one run ran seconds apart, so
    # load that comes and goes on a shared machine moves both.
    ratio = statistics.median(ratios)
    figure(
        "codec / lxml, median of runs (" + ", ".join(f"{r:.2f}" for r in ratios) + ")",
        f"{ratio:8.2f}x",
        f"<= {GOAL_CODEC_RATIO:g}x",
        ratio <= GOAL_CODEC_RATIO,
    )


def _year_of_changes(rooms: int) -> AriChangeSetBuilder:
    """Daily values for a year: weekend prices differ, availability changes every 10 days."""
    builder = AriChangeSetBuilder()
    start = date(2027, 1, 1)
    for room in range(rooms):
        key = AriKey("1000001", f"1000001{room:02d}", "50001")
        for offset in range(365):
            day = start + timedelta(days=offset)
            weekend = day.weekday() >= 4
            builder.set(
                key,
                day,
                day,
                availability=3 + (offset // 10) % 4,
                rate=Money.of("180.00" if weekend else "140.00", "EUR"),
                min_los=2 if weekend else 1,
            )
    return builder


def main() -> None:
    """Run every figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--messages", type=int, default=2_000, help="P1 codec: messages a run")
    parser.add_argument("--runs", type=int, default=5, help="P1 codec: runs")
    args = parser.parse_args()

    print(f"P1 codec: {args.messages:,} bench_ingest messages, {args.runs} runs, on {machine()}")
    measure_decode(generate_messages(args.messages), args.runs)

    body = SAMPLE.read_bytes()
    _rate(
        "parse OTA_HotelResNotifRQ (multi-room, hardened)",
        args.repeat,
        lambda: decode_res_notif_rq(body),
    )

    change_set = _year_of_changes(20).build()
    started = time.perf_counter()
    requests = compress(change_set)
    elapsed = time.perf_counter() - started
    ranges = sum(len(r.items) for r in requests)
    print(
        f"{'compress 20 rooms x 365 days (7,300 day values)':<58} {elapsed * 1000:>12,.1f} ms"
        f"  -> {len(requests)} requests, {ranges} ranges"
        f" ({len(change_set) / max(ranges, 1):.1f} days per range)"
    )

    def encode_all() -> None:
        for request in requests:
            if isinstance(request, AvailRequest):
                encode_avail_request(request)
            else:
                encode_rate_request(request)

    _rate(f"encode the {len(requests)} requests to OTA XML", max(1, args.repeat // 30), encode_all)


if __name__ == "__main__":
    main()
