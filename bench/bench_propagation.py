"""P4 propagation: a reservation created at Booking.com -> its availability decrement back there.

Run: ``python -m bench.bench_propagation [--reservations 15] [--poll-interval 5]
[--database sqlite|postgres] [--verbose]``.

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

One unmeasured reservation warms the path (first tokens, connections, caches). Between
reservations the bench waits a random part of the worker's cadence, so a reservation
lands anywhere in the cycle rather than always just after a pass. The floor is a bare round
trip to the sandbox (``GET /_sandbox/health``) measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
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


class BenchError(RuntimeError):
    """The product did not do what the bench measures (a process died, a message never came)."""


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
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

    def decrement_arrival(self, asked: float, room: str, night: date, timeout: float) -> float:
        """Seconds from ``asked`` to the sandbox's receipt of the availability for the night."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.avail_requests():
                received = datetime.fromisoformat(request["at"]).timestamp()
                if received >= asked and _covers(request["body"], room, night):
                    return received - asked
            time.sleep(0.01)
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


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:,.0f} ms, p90 {p90 * 1000:,.0f} ms,"
        f" max {ordered[-1] * 1000:,.0f} ms (n={len(ordered)})"
    )


def main() -> None:
    """Print the figures of both modes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reservations", type=int, default=15, help="per mode")
    parser.add_argument(
        "--poll-interval", type=float, default=5.0, help="seconds, polling mode (product: 20)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--verbose", action="store_true", help="print every latency")
    args = parser.parse_args()

    print(f"P4 propagation on {machine()}, {args.database}", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        pushed = measure("push", args.reservations, args.poll_interval, args.database, workdir)
        polled = measure("polling", args.reservations, args.poll_interval, args.database, workdir)
    if args.verbose:
        for name, values in (("push", pushed["latency"]), ("polling", polled["latency"])):
            print(f"  {name}: {', '.join(f'{v * 1000:.0f}' for v in values)} ms")
    floor = statistics.median(pushed["floor"] + polled["floor"])
    figure("floor: bare round trip to the sandbox (median)", f"{floor * 1000:.1f} ms")
    push_median = statistics.median(pushed["latency"])
    figure("push mode: reservation -> decrement at the sandbox", _ms(pushed["latency"]))
    figure("  the sandbox's push delivered and answered", _ms(pushed["call"]))
    figure("  ratio to the floor (median)", f"{push_median / floor:,.0f}x")
    # The push's commit wakes the idle worker (WorkSignal): no idle pause in this figure.
    poll_median = statistics.median(polled["latency"])
    figure(
        f"polling mode (poll every {args.poll_interval:g} s): -> decrement",
        _ms(polled["latency"]),
    )
    figure("  ratio to the floor (median)", f"{poll_median / floor:,.0f}x")
    extra = (PRODUCT_POLL_INTERVAL - args.poll_interval) / 2
    if extra > 0:
        figure(
            f"  at the default {PRODUCT_POLL_INTERVAL:g} s poll interval",
            f"+{extra:,.0f} s on average (half an interval), up to"
            f" +{PRODUCT_POLL_INTERVAL - args.poll_interval:,.0f} s: ~{poll_median + extra:,.1f} s",
        )


if __name__ == "__main__":
    main()
