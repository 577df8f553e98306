"""R3 figures: how fast the running push endpoint refuses each XML attack, and how much memory
the hardened parser needs to refuse it.

Run: ``python -m bench.bench_attacks [--repeat N]``. Starts the sandbox and our service (API
server on loopback, SQLite), connects and maps hotel 1000001, then per attack of
``tests/proof/attack_corpus.py`` prints:
- the median time from sending the body to reading the OTA error, over HTTP with valid push
  credentials, and its ratio to the floor: refusing a 20-byte body that is not XML, measured
  in the same run (the cost of a round trip through the endpoint);
- the hardened parser on its own, one fresh process per attack: peak RSS growth (libxml2
  included) and the Python heap's peak (tracemalloc).

Goals: every attack refused (4xx with an OTA error) in at most 0.5 s and with at most 64 MiB of
peak RSS growth in the parser.
"""

from __future__ import annotations

import argparse
import functools
import logging
import socket
import tempfile
import time
from pathlib import Path

import httpx
from tests.e2e.flows import connect_and_map, make_tenant
from tests.e2e.harness import (
    PUSH_PASSWORD,
    PUSH_USERNAME,
    free_socket,
    running_service,
    service_environ,
)
from tests.proof.attack_corpus import (
    MIB,
    Attack,
    build_corpus,
    parser_run_in_child,
    valid_reservation,
)

from bench._common import figure, machine, median_of, sqlite_url
from booking_sandbox.server import SandboxServer

PUSH_PATH = "/ota/booking/reservations"
MAX_BODY_BYTES = 5 * MIB
GOAL_SECONDS = 0.5
GOAL_RSS = 64 * MIB


def _refusal_seconds(client: httpx.Client, url: str, attack: Attack) -> float:
    """Seconds from sending ``attack`` to having read the whole refusal."""
    headers = {"Content-Type": "text/xml" if attack.soap else "application/xml"}
    started = time.perf_counter()
    answer = client.post(
        url, content=attack.chunks() if attack.streamed else attack.body, headers=headers
    )
    elapsed = time.perf_counter() - started
    if not 400 <= answer.status_code < 500 or b"<Errors>" not in answer.content:
        raise SystemExit(f"{attack.name}: not refused with an OTA error: {answer.status_code}")
    return elapsed


def main() -> None:
    """Measure every attack; print one block of figures per attack."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="HTTP sends per attack")
    args = parser.parse_args()
    # Each refusal is logged as a warning; thousands of them are not figures.
    logging.getLogger("channel_manager").setLevel(logging.ERROR)
    print(f"machine: {machine()}; median of {args.repeat} sends per attack")

    with (
        SandboxServer(seed=1) as sandbox,
        sqlite_url() as database_url,
        tempfile.TemporaryDirectory() as directory,
    ):
        sock = free_socket()
        public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        environ = service_environ(
            sandbox.base_url, public_url, database_url, {"CM_LOG_LEVEL": "ERROR"}
        )
        with running_service(environ, sock) as service:
            tenant = make_tenant(service, "Bench Hotels")
            connect_and_map(tenant, "1000001")
            canary = Path(directory) / "canary.txt"
            canary.write_text("canary")
            reservation = valid_reservation("1000001", "100000101", "50001", "4105326478")
            corpus = build_corpus(reservation, str(canary), "http://127.0.0.1:9", MAX_BODY_BYTES)
            url = f"{service.base_url}{PUSH_PATH}"
            # TCP_NODELAY: httpx writes headers and body separately; Nagle's algorithm against
            # the server's delayed ACK would add ~40 ms to a request and hide the endpoint's time.
            transport = httpx.HTTPTransport(
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            )
            auth = (PUSH_USERNAME, PUSH_PASSWORD)
            with httpx.Client(auth=auth, timeout=120, transport=transport) as client:
                floor_attack = Attack("not xml (floor)", b"this is not XML at all")
                _refusal_seconds(client, url, floor_attack)  # warm up the connection
                floor, _ = median_of(
                    max(args.repeat, 5), lambda: _refusal_seconds(client, url, floor_attack)
                )
                figure("floor: refusing 22 bytes that are not XML", f"{floor * 1000:.2f} ms")
                for index, attack in enumerate(corpus):
                    seconds, _ = median_of(
                        args.repeat, functools.partial(_refusal_seconds, client, url, attack)
                    )
                    run = parser_run_in_child(index, MAX_BODY_BYTES)
                    rss = run.rss_growth_bytes or 0
                    print(f"  -- {attack.name} ({len(attack.body):,} bytes)")
                    figure(
                        "refused over HTTP (median)",
                        f"{seconds * 1000:.1f} ms = {seconds / floor:.1f}x floor",
                        f"<= {GOAL_SECONDS * 1000:.0f} ms",
                        seconds <= GOAL_SECONDS,
                    )
                    figure(
                        "parser peak RSS growth",
                        f"{rss / MIB:.1f} MiB ({rss / len(attack.body):.2f} bytes per body byte)",
                        f"<= {GOAL_RSS // MIB} MiB",
                        rss <= GOAL_RSS,
                    )
                    figure(
                        "parser Python heap peak / time",
                        f"{run.python_peak_bytes / 1024:.0f} KiB / {run.seconds * 1000:.1f} ms"
                        f"  ({run.outcome[:60]})",
                    )


if __name__ == "__main__":
    main()
