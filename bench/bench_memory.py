"""P5 memory: peak RSS while importing 1,000,000 reservations (goal: <= 150 MB).

Run: ``python -m bench.bench_memory [--reservations N] [--batch N] [--progress N] [--trace]
[--quick]``.

The import runs in a child process of its own (so the figure is that process's, not the
parent's), through the path the poll uses: Booking.com-style messages made one at a time
(the bench never holds them all: a generator feeds batches of ``--batch``), decoded with the
hardened codec, mapped and applied with ``ReservationIntake.apply_batch`` into a SQLite file,
availability published to the outbox. Printed: the child's RSS after imports and setup (the
floor), its peak RSS at the end (``ru_maxrss``), their difference, the peak against the goal,
and the import rate with and without the time the bench spends making its messages (about
0.3 ms each: the bench's work, not the import's). ``--progress N`` prints a line every N
messages (count, rate, RSS now and peak, load average), so a long run shows whether memory
grows with the reservations stored.

Arrivals are spread so the hotel stays about half full whatever the count (10,000 a year, as
in P1): a hotel that takes 1,000,000 bookings takes them over years, not into one year.
``--trace`` adds the ten biggest growths of Python allocations (tracemalloc), to find what
grows when the goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from bench._common import figure, machine, sqlite_url
from bench.bench_ingest import build_world, ingest, iter_messages
from channel_manager.application.sync import IMPORT_BATCH

DEFAULT_RESERVATIONS = 1_000_000
GOAL_MB = 150
#: Arrivals per year that keep the bench hotel about half full (see bench_ingest).
PER_YEAR = 10_000


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    """Resident set size of this process now, in MB (``VmRSS``; 0 where /proc is missing)."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Generated:
    """The bench's messages, made one at a time as the import asks for them, timing their
    making (it is the bench's work, not the import's) and printing progress to stderr every
    ``every`` messages: count, rates, RSS now and peak. Never holds more than one message."""

    def __init__(self, messages: Iterator[bytes], every: int) -> None:
        self._messages = messages
        self._every = every
        self.count = 0
        self.seconds = 0.0
        self._started = time.perf_counter()

    def __iter__(self) -> Iterator[bytes]:
        while True:
            started = time.perf_counter()
            body = next(self._messages, None)
            self.seconds += time.perf_counter() - started
            if body is None:
                return
            self.count += 1
            if self._every and self.count % self._every == 0:
                self.report()
            yield body

    def report(self) -> None:
        """One progress line on stderr (the parent keeps stdout for the result)."""
        elapsed = time.perf_counter() - self._started
        importing = max(elapsed - self.seconds, 1e-9)
        print(
            f"progress: {self.count:>9,} messages, {elapsed:7.0f} s,"
            f" {self.count / elapsed:5,.0f}/s ({self.count / importing:5,.0f}/s without"
            f" making the messages), RSS {_current_rss_mb():6.1f} MB, peak {_rss_mb():6.1f} MB,"
            f" load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
            flush=True,
        )


def child(reservations: int, batch: int, trace: bool, every: int = 0) -> dict[str, object]:
    """Set up, note the floor, import, note the peak; what the parent prints."""
    with sqlite_url() as url:
        world = build_world(url)
        days = max(365, 365 * reservations // PER_YEAR)
        # One message through every layer first, so lazily built state counts in the floor.
        ingest(world, iter_messages(1, seed=1, days=days), batch)
        floor = _rss_mb()
        if trace:
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
        messages = Generated(iter_messages(reservations, days=days), every)
        cpu = time.process_time()
        elapsed = ingest(world, messages, batch)
        cpu = time.process_time() - cpu
        peak = _rss_mb()
        growth: list[str] = []
        if trace:
            after = tracemalloc.take_snapshot()
            growth = [str(stat) for stat in after.compare_to(before, "lineno")[:10]]
            tracemalloc.stop()
        with world.factory() as uow:
            stored = uow.reservations.count_unlinked(world.connection.id)
        world.factory.engine.dispose()
    return {
        "floor_mb": floor,
        "peak_mb": peak,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "generating_seconds": messages.seconds,
        "load": os.getloadavg()[0],
        "reservations": reservations,
        "unlinked": stored,
        "growth": growth,
    }


def main() -> None:
    """Run the import in a child process and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reservations", type=int, default=DEFAULT_RESERVATIONS)
    parser.add_argument("--batch", type=int, default=IMPORT_BATCH)
    parser.add_argument("--trace", action="store_true", help="report what grew (tracemalloc)")
    parser.add_argument(
        "--progress", type=int, default=100_000, metavar="N", help="progress every N (0: none)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke-sized run (10,000)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.reservations = min(args.reservations, 10_000)
    if args.child:
        print(json.dumps(child(args.reservations, args.batch, args.trace, args.progress)))
        return
    print(
        f"P5 memory: importing {args.reservations:,} reservations (SQLite) on {machine()},"
        f" load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    command = [sys.executable, "-m", "bench.bench_memory", "--child"]
    command += ["--reservations", str(args.reservations), "--batch", str(args.batch)]
    if args.trace:
        command.append("--trace")
    if args.progress:
        command += ["--progress", str(args.progress)]
    started = time.perf_counter()
    # The child's stderr (progress lines, or why it failed) goes straight to ours.
    completed = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        sys.exit("the import failed (its error is above)")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    wall = time.perf_counter() - started
    floor, peak = float(result["floor_mb"]), float(result["peak_mb"])
    figure("floor: RSS after imports and setup", f"{floor:8.1f} MB")
    figure(
        f"peak RSS after importing {args.reservations:,}",
        f"{peak:8.1f} MB",
        f"<= {GOAL_MB} MB at {DEFAULT_RESERVATIONS:,}",
        peak <= GOAL_MB if args.reservations >= DEFAULT_RESERVATIONS else None,
    )
    figure("growth over the floor", f"{peak - floor:8.1f} MB  ({peak / floor:.2f}x the floor)")
    seconds, making = float(result["seconds"]), float(result["generating_seconds"])
    figure(
        f"import rate (child, batch {args.batch})",
        f"{args.reservations / seconds:8,.0f}/s  ({wall:.0f} s in all)",
    )
    figure(
        "  without making the bench's messages",
        f"{args.reservations / (seconds - making):8,.0f}/s  (making them: {making:.0f} s)",
    )
    figure(
        "  CPU of the import (child process)",
        f"{float(result['cpu_seconds']) / args.reservations * 1000:8.2f} ms a reservation"
        f"  (load average at the end {float(result['load']):.1f})",
    )
    if result["unlinked"]:
        print(f"  WARNING: {result['unlinked']} reservations were not linked to the mappings")
    for line in result["growth"]:
        print(f"  grew: {line}")


if __name__ == "__main__":
    main()
