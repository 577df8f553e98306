"""Long-running processes: ``serve``, ``worker``, ``sandbox`` and ``demo``.

Heavy modules (the ASGI app, the worker loop, the sandbox, the demo) are imported inside the
commands so that ``channel-manager --help`` and the admin commands start quickly.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, cast

import typer
import uvicorn

from channel_manager.entrypoints.cli import context
from channel_manager.entrypoints.cli.errors import ExitCode, report
from channel_manager.entrypoints.demo_files import refuse_real_booking_for_demo
from channel_manager.entrypoints.http_guard import (
    BODY_TIMEOUT,
    HEADER_TIMEOUT,
    MAX_HEAD_BYTES,
    MAX_PER_ADDRESS,
)
from channel_manager.entrypoints.logging_setup import configure_logging

#: ``serve --limit-concurrency``: well above a busy hotelier's needs, well below the usual
#: 1024 file descriptors of a process.
DEFAULT_CONCURRENCY = 512


def serve(  # noqa: PLR0917 -- one parameter per command-line option
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
        bool | None,
        typer.Option(
            "--workers-in-process/--no-worker",
            help="Also run the worker in this process (the default with one process; use"
            " --no-worker when `channel-manager worker` runs apart, as in production). With"
            " --processes N the worker always runs apart.",
            show_default=False,
        ),
    ] = None,
    processes: Annotated[
        int,
        typer.Option(
            "--processes",
            min=1,
            help="Server processes on one socket under uvicorn's supervisor (about one per"
            " core; no worker among them). Worth it on PostgreSQL; SQLite writes take turns.",
        ),
    ] = 1,
    header_timeout: Annotated[
        float,
        typer.Option(
            "--header-timeout",
            min=0.1,
            help="Seconds a connection has to send a complete request head (idle and slow"
            " clients are closed).",
        ),
    ] = HEADER_TIMEOUT,
    body_timeout: Annotated[
        float,
        typer.Option(
            "--body-timeout", min=0.1, help="Seconds a request has to send its whole body."
        ),
    ] = BODY_TIMEOUT,
    limit_concurrency: Annotated[
        int,
        typer.Option(
            "--limit-concurrency",
            min=1,
            help="Open connections per process beyond which requests are answered 503.",
        ),
    ] = DEFAULT_CONCURRENCY,
    max_per_address: Annotated[
        int,
        typer.Option(
            "--max-connections-per-address",
            min=0,
            help="Connections one client address may hold open at once (0: no cap;"
            " CM_TRUSTED_PROXIES are exempt).",
        ),
    ] = MAX_PER_ADDRESS,
) -> None:
    """Serve the REST API, the OTA push endpoint and the web UI with uvicorn.

    Give --ssl-certfile and --ssl-keyfile to serve HTTPS directly, or run behind a
    TLS-terminating proxy (then list it in CM_TRUSTED_PROXIES). Refuses to start on a
    database that `channel-manager db upgrade` has not brought up to date.

    One process sustains about 1 / (CPU per request) pushes per second; --processes N has
    uvicorn run N processes accepting from one socket (a process that dies is replaced). The
    worker then runs only as its own process (`channel-manager worker`), never N times.
    SIGTERM: requests in flight finish, then every process exits.
    """
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("--ssl-certfile and --ssl-keyfile go together")
    if worker_in_process and processes > 1:
        raise typer.BadParameter(
            "--workers-in-process would run the worker once per process: with --processes N"
            " run `channel-manager worker` as its own process"
        )
    refuse_real_booking_for_demo()
    container = context.get_container()  # settings and database checked before serving
    settings = container.settings()
    configure_logging(settings)
    from channel_manager.entrypoints.asgi import build_asgi_app, run_server  # noqa: PLC0415
    from channel_manager.entrypoints.processes import (  # noqa: PLC0415 - slow import
        HEALTHCHECK_TIMEOUT,
        SERVED_APP,
        DeadlineProtocol,
    )

    def config_for(app: Any, workers: int) -> uvicorn.Config:
        return uvicorn.Config(
            app,
            factory=isinstance(app, str),
            workers=workers,
            host=host,
            port=port,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            log_level=settings.log_level.lower(),
            lifespan="on",
            # CM_TRUSTED_PROXIES alone decides whose X-Forwarded-For is believed (push
            # allow-list); uvicorn's own proxy handling would trust any local proxy.
            proxy_headers=False,
            # uvicorn's records (the access log holds URLs) go through the root handlers and
            # so through the secret-redacting filter; its own handlers would bypass it.
            log_config=None,
            # Idle, half-sent and trickled requests are closed (entrypoints/http_guard.py),
            # connections are bounded, and so is the request head.
            http=cast(
                "type[asyncio.Protocol]",
                DeadlineProtocol(
                    header_timeout,
                    body_timeout,
                    max_per_address=max_per_address,
                    exempt=settings.http.trusted_proxies,
                ),
            ),
            limit_concurrency=limit_concurrency,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
            timeout_worker_healthcheck=HEALTHCHECK_TIMEOUT,
        )

    if processes == 1:
        server = uvicorn.Server(config_for(build_asgi_app(container), 1))
        with_worker = True if worker_in_process is None else worker_in_process
        asyncio.run(run_server(server, container, with_worker=with_worker))
        return
    from uvicorn.config import STARTUP_FAILURE  # noqa: PLC0415 - only for --processes
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    container.engine().dispose()  # the processes open their own; the supervisor holds none
    config = config_for(SERVED_APP, processes)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()  # until SIGTERM or SIGINT, each process then stopping gracefully
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise typer.Exit(ExitCode.FAILURE)


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
    refuse_real_booking_for_demo()
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
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            dir_okay=False,
            help="JSON file keeping the sandbox's state across restarts (created if missing;"
            " default: memory only).",
        ),
    ] = None,
) -> None:
    """Run the local Booking.com stand-in (hotels, OAuth, reservations, ARI, fault injection)."""
    from booking_sandbox.config import SandboxConfig  # noqa: PLC0415 - slow import
    from booking_sandbox.persistence import SandboxStateError  # noqa: PLC0415
    from booking_sandbox.server import run  # noqa: PLC0415

    try:
        run(host=host, port=port, seed=seed, config=SandboxConfig(state_path=state))
    except SandboxStateError as error:
        report(str(error))
        raise typer.Exit(ExitCode.USAGE) from None


def demo(
    port: Annotated[int, typer.Option("--port", help="Port of the API and web UI.")] = 8000,
    sandbox_port: Annotated[
        int, typer.Option("--sandbox-port", help="Port of the sandbox.")
    ] = 8099,
    data_dir: Annotated[
        str,
        typer.Option(
            "--data-dir",
            help="Where the SQLite file, generated keys, the sandbox's state and the env file"
            " live (running again on it goes on where it stopped).",
        ),
    ] = ".demo",
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the sandbox's hotels and bookings.")
    ] = 1,
) -> None:
    """Run the sandbox, the API/UI server and the worker on a local SQLite file, seeded.

    Prints the URL and an API key; Ctrl-C stops everything. `source DATA_DIR/env` points the
    CLI at the demo (its database, vault key and sandbox).
    """
    from booking_sandbox.persistence import SandboxStateError  # noqa: PLC0415 - slow import
    from channel_manager.entrypoints.demo import (  # noqa: PLC0415
        PortInUseError,
        run_demo,
    )

    try:
        run_demo(port=port, sandbox_port=sandbox_port, data_dir=data_dir, seed=seed)
    except (PortInUseError, SandboxStateError) as error:
        report(str(error))
        raise typer.Exit(ExitCode.USAGE) from None
