"""The complete ASGI application: JSON API, OTA push endpoint and web UI over one container.

``serve`` runs it in one process with `run_server` (a worker beside it unless ``--no-worker``);
``serve --processes N`` runs it under uvicorn's supervisor (entrypoints/processes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

import uvicorn
from litestar import Litestar

from channel_manager.container import Container
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.rest.push import push_handlers
from channel_manager.entrypoints.web import web_handlers, web_middleware

if TYPE_CHECKING:
    from channel_manager.entrypoints.worker.loop import Worker


def build_asgi_app(container: Container) -> Litestar:
    """The app `channel-manager serve` and the demo run."""
    return create_app(
        container,
        extra_handlers=[*push_handlers(container), *web_handlers(container)],
        middleware=web_middleware(container),
    )


async def run_server(
    server: uvicorn.Server,
    container: Container,
    *,
    with_worker: bool,
    worker_id: str | None = None,
) -> None:
    """Run the server (and a worker beside it) until the server stops, then stop the worker."""
    if not with_worker:
        await server.serve()
        return
    from channel_manager.entrypoints.worker import build_worker  # noqa: PLC0415 - slow import

    worker = build_worker(container, worker_id)
    worker_task: asyncio.Task[None] | None = None

    async def stop_worker_first() -> None:
        # The app's shutdown closes the shared Booking.com client; the worker must have finished
        # its item by then (a token refresh cut off after Booking.com rotated it loses the grant).
        worker.stopping.set()
        if worker_task is not None:
            await asyncio.wait({worker_task})

    app = server.config.app
    if isinstance(app, Litestar):
        app.on_shutdown.insert(0, stop_worker_first)  # shutdown hooks run in list order
    with _graceful_signals(server, worker):
        server_task = asyncio.create_task(server.serve())
        worker_task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait({server_task, worker_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # When the server stops, the worker finishes its item and releases its claims.
            server.should_exit = True
            worker.stopping.set()
            await asyncio.gather(server_task, worker_task, return_exceptions=True)
            if isinstance(app, Litestar):
                app.on_shutdown.remove(stop_worker_first)


@contextlib.contextmanager
def _graceful_signals(server: uvicorn.Server, worker: Worker) -> Iterator[None]:
    """SIGTERM and SIGINT stop the server and then the worker gracefully.

    uvicorn handles them while it serves, and when it has stopped it raises the signal again
    for whatever handler was there before it. With the default handler that killed the process
    at once, before the worker finished its item (a refreshed OAuth token not yet saved is a
    lost grant) or released its claims. So the handler uvicorn restores is this one: the first
    signal asks for a graceful stop; a second one acts as before (SIGINT: KeyboardInterrupt).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals can only be handled in the main thread
        return
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {
        int(sig): signal.getsignal(sig) or signal.SIG_DFL for sig in (signal.SIGINT, signal.SIGTERM)
    }
    asked: set[int] = set()

    def stop(signum: int, frame: FrameType | None) -> None:
        if signum in asked:
            handler = previous[signum]
            signal.signal(signum, handler)
            if callable(handler):
                handler(signum, frame)
            else:
                signal.raise_signal(signum)
            return
        asked.add(signum)
        server.should_exit = True
        loop.call_soon_threadsafe(worker.stopping.set)

    for sig in previous:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
