"""Webhook latency (issue 18): a booking's commit -> its signed ``reservation.created``
delivered at the receiver.

Run: ``python -m bench.bench_webhooks [--bookings 200] [--database sqlite|postgres]
[--quick]``.

One process, as ``channel-manager serve`` runs with its in-process worker: the real container
(unit of work, webhook outbox, dispatcher, HTTP transport under the address rules) over a
migrated database, a fake channel to connect and map a hotel, the worker's loop running on
its own event loop in a thread, and a local receiver (a threaded HTTP server on 127.0.0.1,
its network allowed by ``CM_WEBHOOK_ALLOWED_NETWORKS``) that checks each signature with the
README's snippet. Bookings are applied one at a time through the reservation intake (what a
poll or a pushed message does); the latency is the receiver's arrival time minus the moment
the intake returned from its commit. Between bookings the bench waits a random 0-50 ms, so a
booking lands anywhere in the worker's cycle. The floor is a bare POST to the same receiver
from this process (httpx), measured in the same run. p50/p99 are printed with the load
average (``os.getloadavg``): the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import threading
import time
from datetime import timedelta

import httpx
from dependency_injector import providers
from tests.support.builders import booking, catalog
from tests.support.clock import next_year
from tests.support.containers import app_container, make_settings
from tests.support.webhooks import WebhookReceiver, readme_verifier
from tests.unit.application.conftest import World

from bench._common import figure, machine, postgres_url, sqlite_url
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.adapters.sqlalchemy import create_database_engine
from channel_manager.container import Container
from channel_manager.domain.connection import Connection
from channel_manager.entrypoints.worker.loop import build_worker


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _floor(url: str, rounds: int = 50) -> float:
    """The median of a bare POST round trip to the receiver (ms)."""
    times = []
    with httpx.Client(timeout=5) as client:
        for _ in range(rounds):
            started = time.perf_counter()
            client.post(url, content=b"{}")
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _connected(
    container: Container, channel: FakeChannel, url: str, secret: list[str]
) -> Connection:
    """A hotel connected and mapped, and a webhook to ``url`` (its secret put in ``secret``)."""
    inventory = container.inventory()
    organization = inventory.ensure_organization("Bench Hotels")
    prop = inventory.create_property(organization.id, "Bench House", "EUR")
    double = inventory.create_unit(organization.id, prop.id, "Double", 10_000, 2)
    suite = inventory.create_unit(organization.id, prop.id, "Suite", 1, 4)
    clock = container.clock()
    world = World(container, channel, clock, organization, prop, double, suite)  # type: ignore[arg-type]
    connection = asyncio.run(world.connect())
    asyncio.run(world.map_double(connection))
    created = asyncio.run(
        container.webhooks().create(organization.id, url, ["reservation.created"])
    )
    secret.append(created.secret.reveal_text())
    return connection


def run(bookings: int, database: str) -> None:
    """Measure ``bookings`` deliveries on ``database`` and print the figures."""
    secret: list[str] = []
    verify = readme_verifier()
    settings = make_settings({"CM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"})
    channel = FakeChannel()
    channel.add_hotel(catalog())
    container = app_container(channel, settings)
    with postgres_url() if database == "postgres" else sqlite_url() as url:
        engine = create_database_engine(url)
        container.engine.override(providers.Object(engine))

        def check(headers: object, body: bytes) -> bool:
            now = container.clock().now().timestamp()
            return bool(verify(secret[0], headers, body, now=now))

        with WebhookReceiver(verify=check) as receiver:
            connection = _connected(container, channel, receiver.url, secret)
            worker = build_worker(container, "bench-worker")
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=lambda: loop.run_until_complete(worker.run()), daemon=True
            )
            thread.start()
            intake = container.intake()
            rng = random.Random(18)
            latencies: list[float] = []
            load_before = os.getloadavg()[0]
            try:
                for n in range(bookings + 1):  # the first warms the path, unmeasured
                    arrival = next_year(1, 1) + timedelta(days=n % 300)
                    intake.apply(connection, booking(f"W{n}", arrival=arrival, nights=1))
                    committed = time.perf_counter()
                    [got] = receiver.wait_for(n + 1)[n:]
                    if n:
                        latencies.append((got.arrived - committed) * 1000)
                    time.sleep(rng.uniform(0, 0.05))
            finally:
                loop.call_soon_threadsafe(worker.stopping.set)
                thread.join(timeout=30)
            load_after = os.getloadavg()[0]
            verified = sum(1 for r in receiver.received if r.verified)
            deliveries = len(receiver.received)
            floor = _floor(receiver.url)
        engine.dispose()

    print(f"webhooks on {database}: {bookings} bookings, one at a time ({machine()})")
    figure("load average before / after", f"{load_before:.1f} / {load_after:.1f}")
    figure("signatures verified (README snippet)", f"{verified} of {deliveries}")
    figure("commit -> delivered p50", f"{_percentile(latencies, 0.5):.1f} ms")
    figure("commit -> delivered p90", f"{_percentile(latencies, 0.9):.1f} ms")
    figure("commit -> delivered p99", f"{_percentile(latencies, 0.99):.1f} ms")
    figure("commit -> delivered max", f"{max(latencies):.1f} ms")
    figure("floor: a bare POST to the receiver (median)", f"{floor:.2f} ms")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="20 bookings")
    options = parser.parse_args()
    run(20 if options.quick else options.bookings, options.database)


if __name__ == "__main__":
    main()
