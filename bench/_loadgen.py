"""Open-loop HTTP/1.1 load generator, run as its own process (``python -m bench._loadgen``).

Why a separate process: the server under test must not share an interpreter (and its GIL) with
the code that measures it. Why open loop: requests are sent at fixed times (``i / rate`` after
the start) whether or not earlier ones have been answered, and latency is taken from the time a
request was *scheduled*, not from when it left. A closed-loop client that waits for answers
slows down with the server and hides its stalls (coordinated omission); this one does not.

The client is a handful of keep-alive connections over asyncio streams (no HTTP library: its
own overhead would be measured as server latency). Scheduled requests wait in one queue for the
next free connection, so queueing behind a slow answer counts as latency, as it would for a
real sender.

Protocol (used by ``bench.bench_push``): one JSON command per line on stdin, one JSON result
per line on stdout. A command names ``method``, ``path``, ``rate`` (requests per second) and
``duration`` (seconds); POSTs send a distinct Booking.com-style OTA_HotelResNotifRQ each, built
once at start-up from the sandbox's own reservation generator (same seed and hotel as the
server's mapping), with a fresh ``ResID_Value`` per request.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import statistics
import sys
from collections.abc import Iterator
from typing import Any

import attrs

from booking_sandbox.model import MessageKind
from booking_sandbox.ota_reservations import RES_STATUS, res_notif_rq
from booking_sandbox.state import SandboxState

_ID_SLOT = b"@@RESID@@"
#: A request not answered within this many seconds counts as an error.
REQUEST_TIMEOUT = 10.0
#: After the last scheduled send, how long the stage waits for the answers still out.
DRAIN_TIMEOUT = 10.0


def reservation_templates(seed: int, hotel_code: str, count: int) -> list[bytes]:
    """``count`` varied OTA_HotelResNotifRQ bodies (1-3 rooms, 1-7 nights, guests, card) for
    ``hotel_code``, each with a slot where every request puts its own reservation id.
    """
    state = SandboxState.seeded(seed, reservations_per_hotel=0)
    for key in state.availability:  # never run out of rooms: the bodies are what matters
        state.availability[key] = 1_000_000
    templates = []
    for _ in range(count):
        reservation = state.generate("new", hotel_code)
        body = res_notif_rq(
            [(MessageKind.NEW, reservation)],
            state.hotels,
            state.clock.now(),
            root_status=RES_STATUS[MessageKind.NEW],
        )
        assert body.count(reservation.id.encode()) == 1, "the id must appear exactly once"
        templates.append(body.replace(reservation.id.encode(), _ID_SLOT))
    return templates


@attrs.define
class Stage:
    """One constant-rate run: what to send, how fast, for how long."""

    method: str
    path: str
    rate: float
    duration: float

    @property
    def count(self) -> int:
        """Requests the schedule holds."""
        return max(1, round(self.rate * self.duration))


@attrs.define
class Outcome:
    """What one stage measured (latencies from the scheduled send time, in seconds)."""

    latencies: list[float] = attrs.Factory(list)
    statuses: dict[str, int] = attrs.Factory(dict)
    errors: int = 0
    send_lag: list[float] = attrs.Factory(list)
    first_error: str | None = None

    def error(self, what: str) -> None:
        """Count one failed request; keep the first reason for the report."""
        self.errors += 1
        self.first_error = self.first_error or what

    def summary(self, stage: Stage, elapsed: float) -> dict[str, Any]:
        """The figures the driver prints (milliseconds; achieved rate over the whole stage)."""
        ordered = sorted(self.latencies)

        def quantile(q: float) -> float | None:
            if not ordered:
                return None
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

        lag = sorted(self.send_lag)
        return {
            "rate": stage.rate,
            "scheduled": stage.count,
            "answered": len(ordered),
            "errors": self.errors,
            "first_error": self.first_error,
            "statuses": self.statuses,
            "achieved_rate": len(ordered) / elapsed if elapsed else 0.0,
            "p50_ms": quantile(0.50),
            "p90_ms": quantile(0.90),
            "p99_ms": quantile(0.99),
            "max_ms": ordered[-1] * 1000 if ordered else None,
            "mean_ms": statistics.fmean(ordered) * 1000 if ordered else None,
            "send_lag_p99_ms": lag[min(len(lag) - 1, int(0.99 * len(lag)))] * 1000 if lag else None,
        }


class LoadGenerator:
    """Keep-alive connections to one server and the bodies to post to it."""

    def __init__(
        self,
        host: str,
        port: int,
        connections: int,
        authorization: str,
        templates: list[bytes],
        first_id: int,
    ) -> None:
        self._host = host
        self._port = port
        self._connections = connections
        self._authorization = authorization
        self._templates = itertools.cycle(templates)
        self._ids = itertools.count(first_id)

    def _request(self, stage: Stage) -> bytes:
        head = f"{stage.method} {stage.path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
        if stage.method != "POST":
            return (head + "\r\n").encode()
        body = next(self._templates).replace(_ID_SLOT, str(next(self._ids)).encode())
        head += (
            f"Authorization: {self._authorization}\r\n"
            "Content-Type: application/xml; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def _schedule(self, stage: Stage, start: float) -> Iterator[tuple[float, bytes]]:
        """Send times and requests, built before the clock starts (building is not measured)."""
        requests = [self._request(stage) for _ in range(stage.count)]
        return ((start + i / stage.rate, request) for i, request in enumerate(requests))

    async def run(self, stage: Stage) -> dict[str, Any]:
        """Send ``stage`` open-loop and return its summary."""
        loop = asyncio.get_running_loop()
        outcome = Outcome()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        start = loop.time() + 0.2
        schedule = self._schedule(stage, start)
        clients = [
            asyncio.create_task(self._client(queue, outcome)) for _ in range(self._connections)
        ]
        for due, request in schedule:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            outcome.send_lag.append(max(0.0, loop.time() - due))
            queue.put_nowait((due, request))
        for _ in clients:
            queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.gather(*clients), REQUEST_TIMEOUT + DRAIN_TIMEOUT)
        except TimeoutError:
            for client in clients:
                client.cancel()
        elapsed = loop.time() - start
        unanswered = stage.count - len(outcome.latencies) - outcome.errors
        for _ in range(unanswered):
            outcome.error("no answer before the stage ended")
        return outcome.summary(stage, elapsed)

    async def _client(
        self, queue: asyncio.Queue[tuple[float, bytes] | None], outcome: Outcome
    ) -> None:
        """One keep-alive connection taking scheduled requests until told to stop."""
        loop = asyncio.get_running_loop()
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while (item := await queue.get()) is not None:
                due, request = item
                try:
                    if streams is None:
                        streams = await asyncio.open_connection(self._host, self._port)
                    reader, writer = streams
                    writer.write(request)
                    await writer.drain()
                    status, keep_alive = await asyncio.wait_for(
                        _read_response(reader), REQUEST_TIMEOUT
                    )
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
                    outcome.error(f"{type(error).__name__}: {error}")
                    _close(streams)
                    streams = None
                    continue
                outcome.statuses[str(status)] = outcome.statuses.get(str(status), 0) + 1
                if 200 <= status < 300:
                    outcome.latencies.append(loop.time() - due)
                else:
                    outcome.error(f"HTTP {status}")
                if not keep_alive:
                    _close(streams)
                    streams = None
        finally:
            _close(streams)


def _close(streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
    if streams is not None:
        streams[1].close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response (Content-Length or chunked); its status and whether to keep going."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        raise ValueError("a response without Content-Length or chunking")
    return status, headers.get("connection") != "close"


async def serve_commands(generator: LoadGenerator) -> None:
    """Answer one JSON command line from stdin with one JSON result line, until EOF."""
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        stage = Stage(
            method=command.get("method", "POST"),
            path=command["path"],
            rate=float(command["rate"]),
            duration=float(command["duration"]),
        )
        result = await generator.run(stage)
        print(json.dumps(result), flush=True)


def main() -> None:
    """Build the bodies, say ``ready``, then run the stages the driver sends."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed of the hotel")
    parser.add_argument("--hotel", default="1000001", help="HotelCode the pushes name")
    parser.add_argument("--templates", type=int, default=200, help="distinct body shapes")
    parser.add_argument("--first-id", type=int, default=7_000_000_001)
    args = parser.parse_args()
    credentials = base64.b64encode(f"{args.username}:{args.password}".encode()).decode()
    generator = LoadGenerator(
        args.host,
        args.port,
        args.connections,
        f"Basic {credentials}",
        reservation_templates(args.seed, args.hotel, args.templates),
        args.first_id,
    )
    print(json.dumps({"ready": True}), flush=True)
    asyncio.run(serve_commands(generator))


if __name__ == "__main__":
    main()
