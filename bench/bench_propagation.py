"""P4 propagation: a reservation created at Booking.com -> its availability decrement back there.

Run: ``python -m bench.bench_propagation [--reservations 15] [--poll-interval 5]
[--probes 200] [--load-rate 50] [--database sqlite|postgres] [--quick] [--verbose]``.
Goal (issue 17): p99 <= 100 ms in push mode under 50 bookings/s.

The real product over real HTTP on loopback, three processes: the sandbox
(``python -m booking_sandbox``), our server with its in-process worker (``channel-manager
serve``, as production runs it) and this one, which only plays the hotel's side: it connects
and maps a hotel through our API and the sandbox's consent page (the e2e tests' helpers),
then creates reservations in the sandbox one at a time and waits for the
OTA_HotelAvailNotifRQ that carries the reserved room and night, as the sandbox recorded it
(``/_sandbox/requests``). The latency is the sandbox's receipt time of that request minus
the moment the reservation was asked for.

- push mode: the sandbox posts each reservation to our push endpoint at once; polling is
  pushed out to an hour so it cannot deliver first.
- polling mode: no push target; the worker polls the sandbox's queue every ``--poll-interval``
  seconds. The product default is 20 s, too slow to repeat 15 times here; on average a poll
  interval adds half of itself, which is printed. Below 5 s the interval hardly matters:
  Booking.com wants 5 s between an acknowledgement and the next fetch (``CM_ACK_PAUSE``), so
  the poll after a reservation waits for that pause.

- push mode under load (the goal's case): while ``bench._loadgen``, in its own process,
  pushes ``--load-rate`` distinct new reservations a second (open loop, the sandbox's own
  bodies over the hotel's rooms and its next 120 days, as for P2) straight to our push
  endpoint, ``--probes`` probe reservations are made in the sandbox one at a time, each on a
  room and night of its own beyond the load's 120 days (so no load booking can answer for
  it), and timed the same way: from asking the sandbox to its receipt of the
  OTA_HotelAvailNotifRQ for that room and night. Nothing here depends on how our endpoint
  stores a push (at once, or through an inbox applied by the worker): only what the channel
  sees counts. p50/p90/p99 are printed with the probe count (a p99 wants 100 or more).

One unmeasured reservation warms the path (first tokens, connections, caches). Between
reservations the bench waits a random part of the worker's cadence, so a reservation
lands anywhere in the cycle rather than always just after a pass. The floor is a bare round
trip to the sandbox (``GET /_sandbox/health``) measured in the same run. ``--quick`` is a
smoke-sized run (5 reservations per quiet mode, 20 probes under load).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from lxml import etree
from tests.e2e.flows import Tenant, connect_and_map
from tests.support.network import free_port

from bench._common import figure, machine, postgres_url, sqlite_url
from channel_manager.adapters.vault import generate_key

HOTEL = "1000001"
UNITS_PER_ROOM = 60  # enough that no room-night sells out, so every booking changes a count
PUSH_USERNAME = "sandbox-push"
AVAIL_PATH = "/hotels/ota/OTA_HotelAvailNotif"
PRODUCT_POLL_INTERVAL = 20.0  # Settings.worker.poll_interval
WORKER_IDLE_WAIT = 1.0  # Worker(idle_wait=...): the pause of an idle worker between passes
OTA = "{http://www.opentravel.org/OTA/2003/05}"
GOAL_P99_MS = 100.0
#: Probe nights lie this many days ahead and beyond: the load (the sandbox's generator) books
#: within its 120-day window, and our first calendar (365 days) opened these nights.
PROBE_FIRST_DAY = 130
PROBE_LAST_DAY = 350
#: Seconds a probe's availability may take under load before it counts as never arriving.
PROBE_TIMEOUT = 30.0
#: Seconds of each load generator stage (stages follow one another until the probes are done).
LOAD_STAGE_SECONDS = 15.0


class BenchError(RuntimeError):
    """The product did not do what the bench measures (a process died, a message never came)."""


class NotFreeError(BenchError):
    """The sandbox refused a probe's room and night (not open for sale there)."""


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a busy shared machine starts slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{url} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} did not come up: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def _process(
    command: list[str], ready_url: str, log: Path, environ: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Run ``command`` (output to ``log``) until the block ends; wait for ``ready_url``."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(environ or {})}
        )
        try:
            _wait_until_up(ready_url, process, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _service_environ(
    sandbox_url: str, public_url: str, database_url: str, poll_seconds: float
) -> dict[str, str]:
    """Every Booking.com URL at the sandbox; product defaults except the poll interval."""
    return {
        "CM_DATABASE_URL": database_url,
        "CM_VAULT_KEYS": generate_key(),
        "CM_BOOKING_BASE_URL": sandbox_url,
        "CM_BOOKING_SECURE_URL": sandbox_url,
        "CM_BOOKING_TOKEN_URL": f"{sandbox_url}/token-based-authentication/exchange",
        "CM_BOOKING_AUTH_URL": sandbox_url,
        "CM_BOOKING_CLIENT_ID": "sandbox-client",
        "CM_BOOKING_CLIENT_SECRET": "sandbox-secret",
        "CM_BOOKING_PROVIDER_ID": "channel-manager",
        "CM_PUSH_USERNAME": PUSH_USERNAME,
        "CM_PUSH_PASSWORD": "bench-push-password",
        "CM_PUBLIC_URL": public_url,
        "CM_POLL_INTERVAL": f"{poll_seconds:g}s",
        "CM_LOG_LEVEL": "WARNING",
    }


def _channel_manager(*arguments: str) -> list[str]:
    return [str(Path(sys.executable).parent / "channel-manager"), *arguments]


def _api_key(environ: Mapping[str, str]) -> str:
    """``channel-manager api-keys create``: the key is the last line it prints."""
    done = subprocess.run(
        _channel_manager("api-keys", "create", "--organization", "Bench Hotels", "--name", "p4"),
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _covers(body: str, room: str, night: date) -> bool:
    """Whether an OTA_HotelAvailNotifRQ sets a booking limit for ``room`` on ``night``."""
    root = etree.fromstring(body.encode())
    for message in root.iter(f"{OTA}AvailStatusMessage"):
        control = message.find(f"{OTA}StatusApplicationControl")
        if control is None or message.get("BookingLimit") is None:
            continue
        start = date.fromisoformat(control.get("Start", ""))
        end = date.fromisoformat(control.get("End", ""))
        if control.get("InvTypeCode") == room and start <= night <= end:
            return True
    return False


class Hotel:
    """The bench's view of the sandbox: create reservations, watch what comes back."""

    def __init__(self, sandbox_url: str) -> None:
        self.client = httpx.Client(base_url=sandbox_url, timeout=30)
        #: Our service, and its push password (for a load generator to push to it).
        self.service_url = ""
        self.push_password = ""

    def avail_requests(self) -> list[dict[str, Any]]:
        response = self.client.get("/_sandbox/requests", params={"path": AVAIL_PATH})
        response.raise_for_status()
        return list(response.json()["requests"])

    def wait_quiet(self, quiet: float = 3.0, timeout: float = 90.0) -> None:
        """Wait until no availability message has arrived for ``quiet`` seconds (the initial
        poll and sync are over), then forget what was recorded."""
        deadline = time.monotonic() + timeout
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.avail_requests())
            if count != seen:
                seen, since = count, time.monotonic()
            elif time.monotonic() - since >= quiet:
                self.client.delete("/_sandbox/requests").raise_for_status()
                return
            time.sleep(0.2)
        raise BenchError("availability kept arriving; the service never went quiet")

    def book(self) -> tuple[float, str, date, float]:
        """Create one new reservation: (asked at, room, first night, seconds the call took).

        What was recorded before is forgotten first, so a late message about an earlier
        reservation cannot be taken for this one's.
        """
        self.client.delete("/_sandbox/requests").raise_for_status()
        asked = time.time()
        response = self.client.post(
            "/_sandbox/reservations/generate", json={"kind": "new", "hotel_code": HOTEL}
        )
        took = time.time() - asked
        response.raise_for_status()
        body = response.json()
        push = body.get("push")
        if push is not None and push.get("outcome") != "delivered":
            raise BenchError(f"the push was not delivered: {push}")
        stay = body["reservation"]["stays"][0]
        return asked, stay["room_id"], date.fromisoformat(stay["arrival"]), took

    def book_night(self, room: str, night: date) -> tuple[float, float]:
        """A new one-room reservation of ``room`` for ``night`` only: (asked at, seconds the
        call took, its push to us included). What was recorded before is forgotten first."""
        self.client.delete("/_sandbox/requests").raise_for_status()
        asked = time.time()
        response = self.client.post(
            "/_sandbox/reservations/generate",
            json={
                "kind": "new",
                "hotel_code": HOTEL,
                "room_id": room,
                "arrival": night.isoformat(),
                "departure": (night + timedelta(days=1)).isoformat(),
            },
        )
        took = time.time() - asked
        if response.status_code == 409:
            raise NotFreeError(f"room {room} is not free on {night} at the sandbox")
        response.raise_for_status()
        push = response.json().get("push")
        if push is None or push.get("outcome") != "delivered":
            raise BenchError(f"the push was not delivered: {push}")
        return asked, took

    def rooms(self) -> list[str]:
        """The room ids of the bench's hotel."""
        response = self.client.get("/_sandbox/hotels")
        response.raise_for_status()
        hotel = next(h for h in response.json()["hotels"] if h["code"] == HOTEL)
        return [room["id"] for room in hotel["rooms"]]

    def decrement_arrival(self, asked: float, room: str, night: date, timeout: float) -> float:
        """Seconds from ``asked`` to the sandbox's receipt of the availability for the night.

        Requests are recorded in order since the last forgetting, so each is read once (under
        load many arrive for other rooms and nights)."""
        deadline = time.monotonic() + timeout
        checked = 0
        while time.monotonic() < deadline:
            requests = self.avail_requests()
            for request in requests[checked:]:
                received = datetime.fromisoformat(request["at"]).timestamp()
                if received >= asked and _covers(request["body"], room, night):
                    return received - asked
            checked = len(requests)
            # The receipt time is the sandbox's, so polling less often costs no accuracy; the
            # sandbox's one event loop also takes our availability pushes (under load, many).
            time.sleep(0.05)
        raise BenchError(f"no availability for room {room} on {night} within {timeout:.0f} s")

    def round_trip(self) -> float:
        """One bare request to the sandbox: the floor."""
        started = time.perf_counter()
        self.client.get("/_sandbox/health").raise_for_status()
        return time.perf_counter() - started


@contextmanager
def _running_product(
    poll_seconds: float, push: bool, database: str, workdir: Path
) -> Iterator[Hotel]:
    """Sandbox and service up, a hotel connected and mapped, the initial traffic over."""
    sandbox_url = f"http://127.0.0.1:{free_port()}"
    sandbox_port = sandbox_url.rsplit(":", 1)[1]
    sandbox_command = [sys.executable, "-m", "booking_sandbox", "--port", sandbox_port]
    with (
        postgres_url() if database == "postgres" else sqlite_url() as database_url,
        _process(sandbox_command, f"{sandbox_url}/_sandbox/health", workdir / "sandbox.log"),
    ):
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        environ = _service_environ(sandbox_url, public_url, database_url, poll_seconds)
        key = _api_key(environ)
        serve = _channel_manager("serve", "--port", str(port))
        with _process(serve, f"{public_url}/openapi.json", workdir / "service.log", environ):
            api = httpx.Client(
                base_url=public_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
            )
            connect_and_map(Tenant("Bench Hotels", "", api), HOTEL, UNITS_PER_ROOM)
            hotel = Hotel(sandbox_url)
            hotel.service_url = public_url
            hotel.push_password = environ["CM_PUSH_PASSWORD"]
            if push:
                target = {
                    "url": f"{public_url}/ota/booking/reservations",
                    "username": PUSH_USERNAME,
                    "password": environ["CM_PUSH_PASSWORD"],
                }
                hotel.client.post("/_sandbox/push-target", json=target).raise_for_status()
            hotel.wait_quiet()
            yield hotel


def measure(
    mode: str, count: int, poll_seconds: float, database: str, workdir: Path
) -> dict[str, list[float]]:
    """Latencies of ``count`` reservations in ``mode`` (push or polling), and the floor."""
    push = mode == "push"
    cadence = WORKER_IDLE_WAIT if push else poll_seconds
    rng = random.Random(4)
    latencies: list[float] = []
    calls: list[float] = []
    floor: list[float] = []
    with _running_product(3600.0 if push else poll_seconds, push, database, workdir) as hotel:
        # One unmeasured reservation first: tokens, connections and caches are warm after it.
        asked, room, night, _took = hotel.book()
        hotel.decrement_arrival(asked, room, night, 3 * cadence + 15)
        for _ in range(count):
            time.sleep(rng.uniform(0, cadence))  # land anywhere in the worker's cycle
            asked, room, night, took = hotel.book()
            latencies.append(hotel.decrement_arrival(asked, room, night, 3 * cadence + 15))
            calls.append(took)
            floor.extend(hotel.round_trip() for _ in range(3))
    return {"latency": latencies, "call": calls, "floor": floor}


class BackgroundLoad:
    """``bench._loadgen`` pushing new reservations to our endpoint at a constant rate, in
    stages of :data:`LOAD_STAGE_SECONDS` one after another, until :meth:`stop`."""

    def __init__(self, service_url: str, password: str, rate: float) -> None:
        self.rate = rate
        self.stages: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._process = subprocess.Popen(
            [
                *(sys.executable, "-m", "bench._loadgen", "--hotel", HOTEL),
                *("--port", str(httpx.URL(service_url).port), "--connections", "8"),
                *("--username", PUSH_USERNAME, "--password", password),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if not self._read().get("ready"):
            raise BenchError("the load generator did not start")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()
        self.seconds = 0.0

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise BenchError("the load generator exited")
        return dict(json.loads(line))

    def _run(self) -> None:
        assert self._process.stdin is not None
        command = {
            "method": "POST",
            "path": "/ota/booking/reservations",
            "rate": self.rate,
            "duration": LOAD_STAGE_SECONDS,
        }
        while not self._stop.is_set():
            self._process.stdin.write(json.dumps(command) + "\n")
            self._process.stdin.flush()
            self.stages.append(self._read())

    def start(self) -> None:
        """Begin pushing (returns at once)."""
        self.started = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        """Finish the current stage, then end the process."""
        self._stop.set()
        self._thread.join(timeout=LOAD_STAGE_SECONDS + 60)
        self.seconds = time.monotonic() - self.started
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)

    def summary(self) -> str:
        """Pushes sent and answered, errors, the achieved rate and the pushes' own p50/p99."""
        scheduled = sum(int(stage["scheduled"]) for stage in self.stages)
        answered = sum(int(stage["answered"]) for stage in self.stages)
        errors = sum(int(stage["errors"]) for stage in self.stages)
        p50 = statistics.median(float(stage["p50_ms"] or 0) for stage in self.stages)
        p99 = max(float(stage["p99_ms"] or 0) for stage in self.stages)
        first = next((stage["first_error"] for stage in self.stages if stage["errors"]), None)
        return (
            f"{answered:,} of {scheduled:,} pushes answered 2xx, {errors} errors"
            f"{f' ({first})' if first else ''}, {answered / max(self.seconds, 1e-9):.1f}/s"
            f" over {self.seconds:.0f} s; push p50 {p50:.0f} ms (median of stages),"
            f" p99 {p99:.0f} ms (worst stage)"
        )


def _probe_nights(rooms: list[str], count: int, today: date) -> Iterator[tuple[str, date]]:
    """``count`` distinct (room, night) pairs beyond the load's nights, in a shuffled order."""
    pairs = [
        (room, today + timedelta(days=day))
        for day in range(PROBE_FIRST_DAY, PROBE_LAST_DAY)
        for room in rooms
    ]
    if count > len(pairs):
        raise BenchError(f"at most {len(pairs)} probes: {len(rooms)} rooms x the probe nights")
    random.Random(17).shuffle(pairs)
    return iter(pairs[:count])


def _book_free(
    hotel: Hotel, room: str, night: date, others: Iterator[tuple[str, date]]
) -> tuple[float, float]:
    """Book ``room`` on ``night``, or the next pair the sandbox has free."""
    while True:
        try:
            return hotel.book_night(room, night)
        except NotFreeError as refused:
            print(f"  skipped: {refused}", flush=True)
            room, night = next(others)


def measure_loaded(
    probes: int, rate: float, database: str, workdir: Path
) -> tuple[dict[str, list[float]], str]:
    """Push mode while ``rate`` bookings/s are pushed to our endpoint: the latencies of
    ``probes`` probe reservations, the call times, the floor, and the load's summary."""
    latencies: list[float] = []
    calls: list[float] = []
    floor: list[float] = []
    rng = random.Random(5)
    with _running_product(3600.0, True, database, workdir) as hotel:
        nights = _probe_nights(hotel.rooms(), probes + 1, datetime.now(UTC).date())
        load = BackgroundLoad(hotel.service_url, hotel.push_password, rate)
        load.start()
        try:
            time.sleep(3.0)  # the load settles in
            room, night = next(nights)  # unmeasured: warms the probe's path under load
            asked, took = _book_free(hotel, room, night, nights)
            try:
                hotel.decrement_arrival(asked, room, night, 2 * PROBE_TIMEOUT)
            except BenchError:
                print(f"  the warm-up probe never arrived: saturated at {rate:g}/s", flush=True)
                latencies.append(math.inf)
                calls.append(took)
                nights = iter(())
            missed = 0
            for room, night in nights:
                time.sleep(rng.uniform(0, WORKER_IDLE_WAIT))
                try:
                    asked, took = hotel.book_night(room, night)
                except NotFreeError as refused:
                    print(f"  skipped: {refused}", flush=True)
                    continue
                calls.append(took)
                try:
                    latencies.append(hotel.decrement_arrival(asked, room, night, PROBE_TIMEOUT))
                    missed = 0
                except BenchError:
                    # Saturated: counted as never arriving (the p99 is then infinite).
                    latencies.append(math.inf)
                    missed += 1
                    if missed == 3:
                        print("  3 probes in a row never arrived: the service is saturated")
                        break
                floor.append(hotel.round_trip())
        finally:
            load.stop()
    return {"latency": latencies, "call": calls, "floor": floor}, load.summary()


def quantile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (p99 of 200 values: the 198th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _ms(values: list[float], p99: bool = False) -> str:
    if not values:
        return "none measured"
    ordered = sorted(values)
    lost = sum(1 for value in ordered if math.isinf(value))
    missing = f", {lost} never arrived within {PROBE_TIMEOUT:g} s" if lost else ""
    tail = f", p99 {quantile(ordered, 0.99) * 1000:,.0f} ms" if p99 else ""
    return (
        f"median {statistics.median(ordered) * 1000:,.0f} ms,"
        f" p90 {quantile(ordered, 0.9) * 1000:,.0f} ms{tail},"
        f" max {ordered[-1] * 1000:,.0f} ms (n={len(ordered)}{missing})"
    )


def main() -> None:
    """Print the figures of each mode."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reservations", type=int, default=15, help="per quiet mode")
    parser.add_argument(
        "--poll-interval", type=float, default=5.0, help="seconds, polling mode (product: 20)"
    )
    parser.add_argument("--probes", type=int, default=200, help="probes under load")
    parser.add_argument(
        "--load-rate", type=float, default=50.0, help="bookings/s pushed meanwhile (0: skip)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--modes", default="push,polling,loaded", help="comma list of push, polling, loaded"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke-sized run")
    parser.add_argument("--verbose", action="store_true", help="print every latency")
    args = parser.parse_args()
    if args.quick:
        args.reservations, args.probes = min(args.reservations, 5), min(args.probes, 20)

    print(
        f"P4 propagation on {machine()}, {args.database}, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    modes = set(args.modes.split(","))
    runs: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        # Each mode's figures as soon as it is measured: a later failure keeps them.
        for mode in ("push", "polling"):
            if mode in modes:
                runs[mode] = measure(
                    mode, args.reservations, args.poll_interval, args.database, workdir
                )
                floor = statistics.median(runs[mode]["floor"])
                figure("floor: bare round trip to the sandbox (median)", f"{floor * 1000:.1f} ms")
                if mode == "push":
                    _print_push(runs[mode], floor)
                else:
                    _print_polling(runs[mode], floor, args.poll_interval)
                _verbose(args.verbose, mode, runs[mode])
        if "loaded" in modes and args.load_rate > 0 and args.probes > 0:
            runs["loaded"], load_summary = measure_loaded(
                args.probes, args.load_rate, args.database, workdir
            )
            _print_loaded(runs["loaded"], args.load_rate, load_summary)
            _verbose(args.verbose, "loaded", runs["loaded"])
    print(f"  load average at the end: {os.getloadavg()[0]:.1f}")


def _verbose(verbose: bool, mode: str, run: dict[str, list[float]]) -> None:
    if verbose:
        print(f"  {mode}: {', '.join(f'{v * 1000:.0f}' for v in run['latency'])} ms", flush=True)


def _print_push(pushed: dict[str, list[float]], floor: float) -> None:
    push_median = statistics.median(pushed["latency"])
    figure("push mode: reservation -> decrement at the sandbox", _ms(pushed["latency"]))
    figure("  the sandbox's push delivered and answered", _ms(pushed["call"]))
    figure("  ratio to the floor (median)", f"{push_median / floor:,.0f}x")
    # The push's commit wakes the idle worker (WorkSignal): no idle pause in this figure.


def _print_polling(polled: dict[str, list[float]], floor: float, interval: float) -> None:
    poll_median = statistics.median(polled["latency"])
    figure(f"polling mode (poll every {interval:g} s): -> decrement", _ms(polled["latency"]))
    figure("  ratio to the floor (median)", f"{poll_median / floor:,.0f}x")
    extra = (PRODUCT_POLL_INTERVAL - interval) / 2
    if extra > 0:
        figure(
            f"  at the default {PRODUCT_POLL_INTERVAL:g} s poll interval",
            f"+{extra:,.0f} s on average (half an interval), up to"
            f" +{PRODUCT_POLL_INTERVAL - interval:,.0f} s: ~{poll_median + extra:,.1f} s",
        )


def _print_loaded(loaded: dict[str, list[float]], rate: float, load_summary: str) -> None:
    p99 = quantile(loaded["latency"], 0.99) * 1000
    figure(
        f"push mode under {rate:g} bookings/s: probe -> decrement",
        _ms(loaded["latency"], p99=True),
        f"p99 <= {GOAL_P99_MS:g} ms",
        p99 <= GOAL_P99_MS,
    )
    figure("  the probe's push delivered and answered", _ms(loaded["call"], p99=True))
    if loaded["floor"]:
        figure("  floor under load (median)", f"{statistics.median(loaded['floor']) * 1000:.1f} ms")
    figure("  the load", load_summary)
    if len(loaded["latency"]) < 100:
        print("  (fewer than 100 probes: the p99 is the maximum or near it)")


if __name__ == "__main__":
    main()
