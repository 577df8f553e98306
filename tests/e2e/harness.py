"""The service under test: API server and worker on one event loop in a background thread.

Production runs uvicorn and the worker as tasks of one loop (``channel-manager demo`` does the
same), and the Booking.com adapters share one httpx client bound to that loop. So the tests run
the server on such a loop and drive the worker deterministically by submitting ``tick()`` to it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs
import uvicorn

from channel_manager.adapters.vault import generate_key
from channel_manager.container import Container, build_container
from channel_manager.entrypoints.asgi import build_asgi_app
from channel_manager.entrypoints.worker import build_worker
from channel_manager.entrypoints.worker.loop import TickCounts, Worker
from channel_manager.settings import Settings
from tests.support.clock import session_offset_seconds
from tests.support.waiting import describe, wait_until

T = TypeVar("T")

#: The sandbox's published machine account and OAuth client (not secrets).
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
PUSH_USERNAME = "sandbox-push"
PUSH_PASSWORD = "e2e-push-password"


class ServiceStartError(RuntimeError):
    """The API server did not start accepting connections in time."""


def free_socket() -> socket.socket:
    """A listening-ready socket bound to a free loopback port (uvicorn takes it over)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections: without it uvicorn's separate header and body writes
    # meet the client's delayed ACK and every answer takes ~40 ms more (a pre-bound socket
    # does not get the TCP_NODELAY uvicorn's own host/port binding gets).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def service_environ(
    sandbox_url: str, public_url: str, database_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``CM_*`` settings pointing every Booking.com URL at the sandbox, with fast cadences."""
    environ = {
        "CM_DATABASE_URL": database_url,
        "CM_VAULT_KEYS": generate_key(),
        "CM_BOOKING_BASE_URL": sandbox_url,
        "CM_BOOKING_SECURE_URL": sandbox_url,
        "CM_BOOKING_TOKEN_URL": f"{sandbox_url}/token-based-authentication/exchange",
        "CM_BOOKING_AUTH_URL": sandbox_url,
        "CM_BOOKING_CLIENT_ID": SANDBOX_CLIENT_ID,
        "CM_BOOKING_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "CM_BOOKING_PROVIDER_ID": "channel-manager",
        "CM_PUSH_USERNAME": PUSH_USERNAME,
        "CM_PUSH_PASSWORD": PUSH_PASSWORD,
        "CM_PUBLIC_URL": public_url,
        "CM_POLL_INTERVAL": "200ms",
        "CM_ACK_PAUSE": "10ms",
        "CM_HTTP_TIMEOUT": "10s",
        "CM_LOG_LEVEL": "WARNING",
        # The session's day (tests/support/clock.py), shared with the sandbox.
        "CM_CLOCK_OFFSET": session_offset_seconds(),
    }
    environ.update(extra or {})
    return environ


@attrs.define
class RunningService:
    """Our service on ``base_url``; ``tick()`` runs one worker pass on the server's loop."""

    container: Container
    base_url: str
    loop: asyncio.AbstractEventLoop
    worker: Worker

    def call(self, work: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``work`` on the service's event loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def tick(self) -> TickCounts:
        """One worker pass: the push inbox, due polls, due syncs, due outbound messages."""
        return self.call(self.worker.tick())

    def apply_pushes(self) -> int:
        """Apply the push inbox's due rows (what the worker does as soon as a push is stored);
        how many rows were dealt with."""
        return self.call(self.worker.apply_inbox())

    def tick_until(
        self, condition: Callable[[], T | None], timeout: float = 15, pause: float = 0.05
    ) -> T:
        """Tick the worker until ``condition()`` returns something truthy; return it."""

        def ticked() -> T | None:
            self.tick()
            return condition()

        return wait_until(ticked, timeout=timeout, interval=pause, what=describe(condition))


@contextmanager
def running_service(
    environ: Mapping[str, str],
    sock: socket.socket,
    worker_id: str = "e2e-worker",
    configure: Callable[[Container], None] | None = None,
) -> Iterator[RunningService]:
    """Build the container from ``environ`` and serve the ASGI app on ``sock`` until exit.

    ``configure`` may override the container's providers (a fault-injecting unit of work, say)
    before anything is built from them.
    """
    container = build_container(Settings.from_env(environ))
    if configure is not None:
        configure(container)
    server = uvicorn.Server(
        uvicorn.Config(
            build_asgi_app(container),
            log_level="warning",
            lifespan="on",
            access_log=False,
            # As `serve` and the demo: CM_TRUSTED_PROXIES alone decides whose X-Forwarded-For
            # counts. uvicorn's default would believe any loopback caller's header.
            proxy_headers=False,
        )
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="service-under-test", daemon=True)
    thread.start()
    serving = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), loop)
    wait_until(
        lambda: server.started or serving.done(),
        timeout=10,
        interval=0.01,
        what="the API server's start",
    )
    if not server.started:  # it stopped before it started
        raise ServiceStartError("the API server did not start") from serving.exception()
    port = sock.getsockname()[1]
    service = RunningService(
        container, f"http://127.0.0.1:{port}", loop, build_worker(container, worker_id)
    )
    try:
        yield service
    finally:
        server.should_exit = True
        serving.result(timeout=15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        sock.close()
        container.engine().dispose()
