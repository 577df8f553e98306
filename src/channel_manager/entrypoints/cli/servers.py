"""Long-running processes: ``serve``, ``worker``, ``sandbox`` and ``demo``.

Heavy modules (the ASGI app, the worker loop, the sandbox, the demo) are imported inside the
commands so that ``channel-manager --help`` and the admin commands start quickly.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from channel_manager.entrypoints.cli import context
from channel_manager.entrypoints.logging_setup import configure_logging


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option("--ssl-certfile", exists=True, dir_okay=False, help="TLS certificate (PEM)."),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None,
        typer.Option("--ssl-keyfile", exists=True, dir_okay=False, help="TLS private key (PEM)."),
    ] = None,
    worker_in_process: Annotated[
        bool,
        typer.Option(
            "--workers-in-process/--no-worker",
            help="Also run the worker in this process (use --no-worker when workers run apart).",
        ),
    ] = True,
) -> None:
    """Serve the REST API, the OTA push endpoint and the web UI with uvicorn.

    Give --ssl-certfile and --ssl-keyfile to serve HTTPS directly, or run behind a
    TLS-terminating proxy (then list it in CM_TRUSTED_PROXIES). Refuses to start on a
    database that `channel-manager db upgrade` has not brought up to date.
    """
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("--ssl-certfile and --ssl-keyfile go together")
    container = context.get_container()
    settings = container.settings()
    configure_logging(settings)
    from channel_manager.entrypoints.asgi import (  # noqa: PLC0415 - slow import
        build_asgi_app,
        run_server,
    )

    config = uvicorn.Config(
        build_asgi_app(container),
        host=host,
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_level=settings.log_level.lower(),
        lifespan="on",
        # CM_TRUSTED_PROXIES alone decides whose X-Forwarded-For is believed (push allow-list);
        # uvicorn's own proxy handling would trust any local proxy behind our back.
        proxy_headers=False,
        # uvicorn's records (the access log holds URLs) go through the root handlers and so
        # through the secret-redacting filter; its own handlers would bypass it.
        log_config=None,
    )
    asyncio.run(run_server(uvicorn.Server(config), container, with_worker=worker_in_process))


def worker(
    worker_id: Annotated[
        str | None,
        typer.Option("--id", help="Worker id in claims and logs (default: host:pid:random)."),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Do one pass of due work, then exit.")
    ] = False,
) -> None:
    """Run the worker: reservation polls, scheduled full syncs and the outbound queue.

    Several workers may share one PostgreSQL database; on SQLite run one. SIGTERM lets the
    current item finish and gives back whatever is still claimed.
    """
    container = context.get_container()
    configure_logging(container.settings())
    from channel_manager.entrypoints.worker import run_worker  # noqa: PLC0415 - slow import

    asyncio.run(run_worker(container, worker_id=worker_id, once=once))


def sandbox(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8900,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the generated hotels and bookings.")
    ] = 1,
) -> None:
    """Run the local Booking.com stand-in (hotels, OAuth, reservations, ARI, fault injection)."""
    from booking_sandbox.server import run  # noqa: PLC0415 - slow import

    run(host=host, port=port, seed=seed)


def demo(
    port: Annotated[int, typer.Option("--port", help="Port of the API and web UI.")] = 8000,
    sandbox_port: Annotated[
        int, typer.Option("--sandbox-port", help="Port of the sandbox.")
    ] = 8099,
    data_dir: Annotated[
        str, typer.Option("--data-dir", help="Where the SQLite file and generated keys live.")
    ] = ".demo",
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the sandbox's hotels and bookings.")
    ] = 1,
) -> None:
    """Run the sandbox, the API/UI server and the worker on a local SQLite file, seeded.

    Prints the URL and an API key; Ctrl-C stops everything.
    """
    from channel_manager.entrypoints.demo import run_demo  # noqa: PLC0415 - slow import

    run_demo(port=port, sandbox_port=sandbox_port, data_dir=data_dir, seed=seed)
