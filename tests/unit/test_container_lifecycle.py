"""The container opens and closes what it owns (the database engine, the Booking.com HTTP
client); entrypoints only say when: the app at startup and shutdown, the worker and the CLI
around their run."""

from __future__ import annotations

from litestar.testing import TestClient

from channel_manager.container import build_container, close_resources, open_resources
from channel_manager.entrypoints.rest.app import create_app
from tests.support.containers import make_settings


async def test_close_resources_closes_the_http_client_and_the_engine() -> None:
    container = build_container(make_settings())
    await open_resources(container)
    http = container.booking().http
    # One comparison, not two asserts: mypy would narrow each to a constant for the checks below.
    assert (container.engine.initialized, http.is_closed) == (True, False)

    await close_resources(container)

    assert http.is_closed
    assert not container.engine.initialized  # disposed; the next use opens a new one


async def test_a_client_made_before_opening_is_closed_too() -> None:
    container = build_container(make_settings())
    container.gateways()  # `serve` builds its worker before the app starts
    http = container.booking().http
    await open_resources(container)
    await close_resources(container)
    assert http.is_closed


def test_the_apps_shutdown_closes_what_the_container_opened() -> None:
    container = build_container(make_settings())
    with TestClient(create_app(container)) as client:
        assert client.get("/healthz").status_code == 200
        http = container.booking().http
        assert not http.is_closed
    assert http.is_closed
