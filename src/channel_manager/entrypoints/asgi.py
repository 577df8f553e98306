"""The complete ASGI application: JSON API, OTA push endpoint and web UI over one container."""

from __future__ import annotations

import asyncio

import uvicorn
from litestar import Litestar

from channel_manager.container import Container
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.rest.push import push_handlers
from channel_manager.entrypoints.web import web_handlers, web_middleware


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
    server_task = asyncio.create_task(server.serve())
    worker_task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait({server_task, worker_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # uvicorn owns SIGINT/SIGTERM; when it stops, the worker finishes its item and releases.
        server.should_exit = True
        worker.stopping.set()
        await asyncio.gather(server_task, worker_task, return_exceptions=True)
