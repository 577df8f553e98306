"""P2: the OTA push endpoint under load, from a separate process on loopback.

Run: ``python -m bench.bench_push [--databases postgresql,sqlite] [--processes 1,2]
[--rate 200] [--rates ...]`` (``--help`` for the rest). Defaults: PostgreSQL with one and with
two server processes (``serve --processes``), SQLite with one; about 4 minutes on 2 cores.

What runs where:
- our server is ``channel-manager serve --no-worker [--processes N]`` in its own process(es)
  (the real ASGI app under uvicorn, logging at INFO as ``serve`` does by default), on a freshly
  migrated database.
  The worker runs apart, as a deployment with several workers would, so what is measured is
  the endpoint alone. PostgreSQL is the production database; SQLite is measured as well;
- its push connection is made the way a user makes it: an organisation and API key through the
  application services, then the OAuth wizard against the Booking.com sandbox and the mapping
  of hotel 1000001, both over our REST API (the sandbox is stopped once that is done);
- the load comes from ``bench._loadgen`` in another process: an open-loop schedule over 32
  keep-alive connections, latency measured from each request's scheduled time. Every push is a
  distinct OTA_HotelResNotifRQ (the sandbox's own rendering: 1-3 rooms, 1-7 nights, guests,
  card; a new reservation id each) with HTTP Basic credentials.

Figures per database: p50/p99 at ``--rate`` (200/s; median of ``--repeat`` windows), the
highest of ``--rates`` sustained with 0 errors (every request answered 2xx, p99 under
``--max-p99-ms``, stepping up until one is missed), the server's CPU per request, and for each
the floor: the same server's ``/healthz`` under the same load. Goals: p99 <= 25 ms at 200/s;
>= 500/s sustained. At the end the reservations stored are counted (every Success must be one)
and the server's log is searched for tracebacks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager
from pathlib import Path
from typing import IO, Any

import attrs
import httpx
import sqlalchemy as sa
from tests.e2e.flows import Tenant, connect_and_map
from tests.e2e.harness import PUSH_PASSWORD, PUSH_USERNAME, service_environ
from tests.support.network import free_port

from bench._common import figure, machine, postgres_url, sqlite_url
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy.tables import reservations
from channel_manager.container import build_container
from channel_manager.settings import Settings

HOTEL = "1000001"
PUSH_PATH = "/ota/booking/reservations"
DATABASES: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "postgresql": postgres_url,
    "sqlite": sqlite_url,
}
GOAL_P99_MS = 25.0
GOAL_RATE = 500.0


@attrs.frozen
class Served:
    """The server process: where it listens and how much CPU it has used."""

    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the process and its children (``serve
        --processes``) (Linux ``/proc``; NaN elsewhere).

        Unlike latency, CPU per request barely moves when other work shares the machine,
        so it tells what one server process can sustain: 1 / (CPU per request).
        """
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            return sum(_cpu_seconds(pid) for pid in (self.pid, *map(int, children)))
        except OSError:
            return float("nan")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def served(
    environ: dict[str, str], port: int, log: IO[bytes], processes: int = 1
) -> Iterator[Served]:
    """``channel-manager serve --no-worker --processes N`` in its own process(es)."""
    command = [sys.executable, "-m", "channel_manager.entrypoints.cli", "serve", "--no-worker"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--processes", str(processes)],
        env={**os.environ, **environ},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # spawned --processes import apart: slow on a busy machine
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 30 s")
            time.sleep(0.1)
        yield Served(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def connect_push_hotel(environ: dict[str, str], base_url: str) -> None:
    """Organisation and API key (application services), then connect and map over REST."""
    container = build_container(Settings.from_env(environ))
    try:
        organization = container.inventory().ensure_organization("push bench")
        issued = container.api_keys().issue(organization.id, "push bench")
    finally:
        container.engine().dispose()
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        connect_and_map(Tenant("push bench", str(organization.id), api), HOTEL)


class LoadGenerator:
    """The ``bench._loadgen`` process: one JSON command in, one JSON result out."""

    def __init__(self, base_url: str, connections: int) -> None:
        port = httpx.URL(base_url).port
        self._process = subprocess.Popen(
            [
                *(sys.executable, "-m", "bench._loadgen", "--port", str(port)),
                *("--connections", str(connections), "--hotel", HOTEL),
                *("--username", PUSH_USERNAME, "--password", PUSH_PASSWORD),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        #: Pushes answered 200 (Success) over every stage: each must be a stored reservation.
        self.acknowledged = 0
        ready = self._read()
        if not ready.get("ready"):
            raise RuntimeError(f"the load generator did not start: {ready}")

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the load generator exited")
        return dict(json.loads(line))

    def run(self, path: str, rate: float, duration: float) -> dict[str, Any]:
        """One constant-rate stage; GET for ``/healthz``, POST of a reservation otherwise."""
        method = "POST" if path == PUSH_PATH else "GET"
        command = {"method": method, "path": path, "rate": rate, "duration": duration}
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(command) + "\n")
        self._process.stdin.flush()
        result = self._read()
        if method == "POST":
            self.acknowledged += int(result["statuses"].get("200", 0))
        return result

    def close(self) -> None:
        """End the process (EOF on its stdin)."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


def sustained(result: dict[str, Any], max_p99_ms: float) -> bool:
    """Every request answered 2xx, in time, at (nearly) the offered rate."""
    return (
        result["errors"] == 0
        and result["answered"] == result["scheduled"]
        and result["p99_ms"] is not None
        and result["p99_ms"] <= max_p99_ms
        and result["achieved_rate"] >= 0.9 * result["rate"]
    )


def _stage_line(path: str, result: dict[str, Any]) -> str:
    p50, p99 = result["p50_ms"], result["p99_ms"]
    latency = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms" if p99 is not None else "no answers"
    errors = f", {result['errors']} errors ({result['first_error']})" if result["errors"] else ""
    lag = result["send_lag_p99_ms"] or 0.0
    # The generator itself falling behind its schedule (its latencies include the lag).
    behind = f", generator behind by {lag:.0f} ms (p99)" if lag > 5 else ""
    return (
        f"    {path:<26} {result['rate']:>6.0f}/s offered, {result['achieved_rate']:>6.0f}/s"
        f" answered: {latency}, max {result['max_ms'] or 0:.0f} ms{errors}{behind}"
    )


@attrs.frozen
class Latency:
    """One endpoint at one rate: median p50 and p99 over the windows, errors over all of
    them (an error's latency is unknown: it is counted, not timed), server CPU per answer.
    """

    p50: float
    p99: float
    errors: int
    cpu_ms: float


def at_rate(load: LoadGenerator, server: Served, path: str, args: argparse.Namespace) -> Latency:
    """``args.repeat`` windows of ``args.window`` seconds at ``args.rate``."""
    p50s, p99s, errors, answered = [], [], 0, 0
    cpu_before = server.cpu_seconds()
    for _ in range(args.repeat):
        result = load.run(path, args.rate, args.window)
        print(_stage_line(path, result), flush=True)
        errors += result["errors"]
        answered += result["answered"]
        p50s.append(result["p50_ms"] if result["p50_ms"] is not None else float("inf"))
        p99s.append(result["p99_ms"] if result["p99_ms"] is not None else float("inf"))
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(answered, 1)
    return Latency(statistics.median(p50s), statistics.median(p99s), errors, cpu_ms)


def highest_rate(
    load: LoadGenerator, path: str, rates: list[float], duration: float, max_p99_ms: float
) -> float:
    """The highest of ``rates`` (tried in order, stopping at the first miss) sustained."""
    best = 0.0
    for rate in rates:
        result = load.run(path, rate, duration)
        print(_stage_line(path, result), flush=True)
        if not sustained(result, max_p99_ms):
            break
        best = rate
    return best


def stored_reservations(database_url: str) -> int:
    """Reservations in the database (the check that every Success was a commit)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(reservations)
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


@attrs.frozen
class Figures:
    """What one database's run measured."""

    push: Latency
    floor: Latency
    best: float
    floor_best: float


def measure(
    load: LoadGenerator, server: Served, database: str, args: argparse.Namespace
) -> Figures:
    """Warm up, then the latency windows and the rate steps, push endpoint and floor."""
    rates = [float(rate) for rate in args.rates.split(",")]
    load.run(PUSH_PATH, 100, 3)  # warm-up: connections, caches, thread pool
    load.run("/healthz", 100, 1)
    print(f"  {database}: latency at {args.rate:.0f}/s", flush=True)
    floor = at_rate(load, server, "/healthz", args)
    push = at_rate(load, server, PUSH_PATH, args)
    print(f"  {database}: highest sustained rate", flush=True)
    # The floor first: a push step the server cannot keep up with leaves work queued behind it.
    # It starts at the latency rate, which it has just sustained.
    floor_rates = [rate for rate in rates if rate >= args.rate] or rates
    floor_best = highest_rate(load, "/healthz", floor_rates, args.duration, args.max_p99_ms)
    best = highest_rate(load, PUSH_PATH, rates, args.duration, args.max_p99_ms)
    return Figures(push, floor, best, floor_best)


def run(database: str, processes: int, args: argparse.Namespace) -> None:
    """Every figure for one database and number of server processes."""
    with DATABASES[database]() as url, tempfile.TemporaryFile() as log:
        with ExitStack() as stack:
            with SandboxServer(seed=1) as sandbox:
                port = free_port()
                environ = service_environ(sandbox.base_url, f"http://127.0.0.1:{port}", url)
                environ["CM_LOG_LEVEL"] = "INFO"  # what `serve` logs by default
                server = stack.enter_context(served(environ, port, log, processes))
                connect_push_hotel(environ, server.base_url)
            load = stack.enter_context(closing(LoadGenerator(server.base_url, args.connections)))
            label = database + (f" x{processes} processes" if processes > 1 else "")
            result = measure(load, server, label, args)
        log.seek(0)
        text = log.read().decode(errors="replace")
        tracebacks = text.count("Traceback")
        stored = stored_reservations(url)
    # More stored than acknowledged is possible (an answer the generator gave up waiting for);
    # fewer would be a Success for a reservation we do not have.
    verdict = "ok" if stored >= load.acknowledged else "LOST RESERVATIONS"
    checks = f"{stored} / {load.acknowledged} ({verdict}) / {tracebacks}{_first_error(text)}"
    report(f"P2 push {label}", args, result, checks)


def _first_error(log: str) -> str:
    """The exception line ending the server log's first traceback, to say what failed."""
    start = log.find("Traceback")
    if start < 0:
        return ""
    lines = log[start:].splitlines()[1:]
    last = next((line for line in lines if line and not line.startswith(" ")), "?")
    return f" (first: {last[:160]})"


def report(name: str, args: argparse.Namespace, result: Figures, checks: str) -> None:
    """Print one run's figures, goals and ratios against the floor."""
    runs = f"(median of {args.repeat} x {args.window:.0f} s)"
    push, floor = result.push, result.floor
    figure(f"{name}: p50 at {args.rate:.0f}/s {runs}", f"{push.p50:.1f} ms")
    errors = f", {push.errors} errors" if push.errors else ""
    figure(
        f"{name}: p99 at {args.rate:.0f}/s {runs}",
        f"{push.p99:.1f} ms{errors}",
        goal=f"<= {GOAL_P99_MS:.0f} ms",
        met=push.p99 <= GOAL_P99_MS and not push.errors,
    )
    figure(
        f"{name}: floor /healthz p50 / p99 at {args.rate:.0f}/s",
        f"{floor.p50:.1f} / {floor.p99:.1f} ms (push p99 = {push.p99 / floor.p99:.1f}x floor)",
    )
    figure(
        f"{name}: server CPU per push / per /healthz",
        f"{push.cpu_ms:.2f} / {floor.cpu_ms:.2f} ms (one process: <= {1000 / push.cpu_ms:.0f}"
        f" pushes/s; push = {push.cpu_ms / floor.cpu_ms:.1f}x floor)",
    )
    figure(
        f"{name}: highest sustained rate, 0 errors",
        f"{result.best:.0f}/s",
        goal=f">= {GOAL_RATE:.0f}/s",
        met=result.best >= GOAL_RATE,
    )
    top = float(args.rates.split(",")[-1])
    ceiling = " (the highest rate tried)" if result.floor_best >= top else ""
    share = f"{result.best / result.floor_best:.0%}" if result.floor_best else "n/a"
    figure(
        f"{name}: floor /healthz highest sustained rate",
        f"{result.floor_best:.0f}/s{ceiling} (push = {share} of floor)",
    )
    figure(f"{name}: reservations stored / Success answers / tracebacks", checks)


def main() -> None:
    """Run every figure for every database asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--rate", type=float, default=200.0, help="rate of the latency figures")
    parser.add_argument("--window", type=float, default=5.0, help="seconds per latency window")
    parser.add_argument("--repeat", type=int, default=3, help="latency windows (median)")
    parser.add_argument("--rates", default="50,100,150,200,300,400,500,600,800,1000,1200")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per rate step")
    parser.add_argument("--max-p99-ms", type=float, default=1000.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--processes",
        default="1,2",
        help="serve --processes counts measured on PostgreSQL (SQLite: always 1)",
    )
    args = parser.parse_args()
    print(f"P2 push endpoint on {machine()}", flush=True)
    for database in args.databases.split(","):
        counts = [int(n) for n in args.processes.split(",")] if database == "postgresql" else [1]
        for processes in counts:
            run(database, processes, args)


if __name__ == "__main__":
    main()
