"""Inventory commands, and `serve` running the app with a worker beside it."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import uvicorn

from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.adapters.vault.log_redaction import SecretRedactingFilter
from channel_manager.container import Container
from channel_manager.domain.sync import OutboundState
from channel_manager.entrypoints.asgi import build_asgi_app, run_server
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.support.containers import app_container
from tests.support.waiting import eventually
from tests.unit.cli.conftest import Invoke, World, hotel_catalog, one_error_line


def test_properties_and_units_are_added_and_listed(invoke: Invoke, container: Container) -> None:
    added = invoke(
        "properties", "add", "--organization", "acme", "--name", "Seaside", "--currency", "eur"
    )
    property_id = UUID(added.stdout.strip())
    unit = invoke(
        "units", "add", "--property", str(property_id), "--name", "Double", "--count", "4"
    )

    properties = invoke("properties", "list", "--organization", "acme")
    units = invoke("units", "list", "--property", str(property_id))

    assert unit.exit_code == 0, unit.output
    assert "Seaside" in properties.stdout
    assert "EUR" in properties.stdout
    assert str(UUID(unit.stdout.strip())) in units.stdout
    organization = container.inventory().ensure_organization("acme")
    (stored,) = container.inventory().list_units(organization.id, property_id)
    assert (stored.name, stored.count) == ("Double", 4)


def test_a_property_with_a_bad_currency_is_one_line(invoke: Invoke, container: Container) -> None:
    result = invoke(
        "properties", "add", "--organization", "acme", "--name", "Seaside", "--currency", "EURO"
    )

    assert result.exit_code != 0
    assert "EURO" in one_error_line(result)


def test_units_of_an_unknown_property_are_not_found(invoke: Invoke, container: Container) -> None:
    result = invoke("units", "add", "--property", str(uuid4()), "--name", "Double")

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "not found" in one_error_line(result)


def test_serve_wants_both_tls_files_or_neither(invoke: Invoke, tmp_path: Path) -> None:
    certificate = tmp_path / "cert.pem"
    certificate.write_text("not really a certificate")

    result = invoke("serve", "--ssl-certfile", str(certificate))

    assert result.exit_code == ExitCode.USAGE
    assert "--ssl-keyfile" in one_error_line(result)


def test_serve_with_the_worker_in_process_answers_delivers_and_stops_both(
    invoke: Invoke, world: World, container: Container, channel: FakeChannel
) -> None:
    channel.add_hotel(hotel_catalog())
    pushed = invoke(
        "ari", "push", "--connection", str(world.connection.id), "--hotel", "H1", "--room", "R1",
        "--from", "2025-06-01", "--to", "2025-06-02", "--availability", "2",
    )  # fmt: skip
    (push_id,) = (UUID(line) for line in pushed.stdout.split())
    dispatcher = container.dispatcher()
    config = uvicorn.Config(
        build_asgi_app(container), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)

    async def scenario() -> tuple[int, OutboundState]:
        serving = asyncio.create_task(run_server(server, container, with_worker=True))
        await eventually(lambda: server.started)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/healthz")

        # The worker beside the server delivers the queued push.
        def finished() -> OutboundState | None:
            state = dispatcher.get(world.organization.id, push_id).state
            return state if state in {OutboundState.DELIVERED, OutboundState.FAILED} else None

        state = await eventually(finished)
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)
        return response.status_code, state

    assert asyncio.run(scenario()) == (200, OutboundState.DELIVERED)
    assert channel.availability[("H1", "R1", date(2025, 6, 1))] == 2


def test_the_app_leaves_the_process_logging_and_its_redaction_in_place() -> None:
    """`serve` configures logging (CM_LOG_LEVEL, the secret-redacting filter) before building
    the app; Litestar's default logging config replaced the root handlers, dropping the filter,
    and reset the level to INFO, so nothing `serve` logged was redacted."""
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    redacting = SecretRedactingFilter()
    handler.addFilter(redacting)
    root.addHandler(handler)
    level = root.level
    handlers = list(root.handlers)
    try:
        build_asgi_app(app_container())

        assert root.handlers == handlers
        assert handler.filters == [redacting]
        assert root.level == level
    finally:
        root.removeHandler(handler)


def test_serve_stops_its_worker_before_the_app_closes_the_channel_client(
    container: Container,
) -> None:
    """The app's shutdown closes the shared Booking.com client. The worker used to be stopped
    only after that, so an item in flight (a token refresh, say) failed on a closed client."""
    app = build_asgi_app(container)
    worker_done_at_close: list[bool] = []
    worker_task: list[asyncio.Task[object]] = []

    async def adapters_closed() -> None:  # runs last, as close_adapters does
        worker_done_at_close.append(all(task.done() for task in worker_task))

    app.on_shutdown.append(adapters_closed)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )

    async def scenario() -> None:
        serving = asyncio.create_task(run_server(server, container, with_worker=True))
        await eventually(lambda: server.started)
        current = asyncio.current_task()
        worker_task.extend(
            t for t in asyncio.all_tasks() if t is not serving and t is not current
            and "Worker.run" in repr(t.get_coro())
        )  # fmt: skip
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)

    asyncio.run(scenario())

    assert len(worker_task) == 1
    assert worker_done_at_close == [True]


def test_demo_on_a_taken_port_says_so_before_starting_or_printing_anything(
    invoke: Invoke, tmp_path: Path
) -> None:
    """It printed its banner (pointing at the other server) and then died with a traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("demo", "--port", str(port), "--data-dir", str(tmp_path / "demo"))

    assert result.exit_code == 2
    assert f"port {port}" in result.stderr
    assert "--port" in result.stderr
    assert "running" not in result.stdout
    assert not (tmp_path / "demo").exists()
