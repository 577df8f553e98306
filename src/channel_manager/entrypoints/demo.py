"""`channel-manager demo`: sandbox + API/UI server + worker on a local SQLite file.

Everything runs in one process and talks over real HTTP on loopback, exactly as production talks
to Booking.com: the sandbox in a background thread, the server and the worker as tasks of one
event loop. Ctrl-C stops all three. What it keeps in its data folder (database, keys, the
sandbox's state, an env file for the CLI) is listed in entrypoints/demo_files.py; starting it
again on the same folder goes on where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from pathlib import Path

import attrs
import httpx
import uvicorn

from booking_sandbox.config import SandboxConfig
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.adapters.vault import generate_key
from channel_manager.application.apikeys import IssuedKey
from channel_manager.application.signin_links import MAX_LIFETIME, IssuedSigninToken
from channel_manager.container import Container, build_container
from channel_manager.domain.inventory import Organization
from channel_manager.entrypoints.asgi import build_asgi_app, run_server
from channel_manager.entrypoints.demo_files import (
    DATABASE_FILE,
    SANDBOX_STATE_FILE,
    write_env_file,
    write_marker,
    write_private,
)
from channel_manager.entrypoints.http_guard import (
    BODY_TIMEOUT,
    HEADER_TIMEOUT,
    MAX_PER_ADDRESS,
    deadline_protocol,
)
from channel_manager.entrypoints.logging_setup import configure_logging
from channel_manager.settings import Settings

logger = logging.getLogger(__name__)

DEMO_ORGANIZATION = "Demo Hotels"
#: The sandbox's published machine account and OAuth client (not secrets).
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's published credential


#: The name of the API key each demo run prints.
DEMO_KEY_NAME = "demo"

#: The sandbox's cities in their own time zones, so the demo's properties have a local today.
_DEMO_TIME_ZONES = {
    "Amsterdam": "Europe/Amsterdam",
    "London": "Europe/London",
    "Kyoto": "Asia/Tokyo",
    "New York": "America/New_York",
    "Rio de Janeiro": "America/Sao_Paulo",
    "København": "Europe/Copenhagen",
}


def _secret_file(path: Path, make: str) -> str:
    """Read a generated secret from ``path`` or create it (mode 600) with ``make``."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    write_private(path, make + "\n")
    return make


def demo_environment(data_dir: Path, port: int, sandbox_url: str) -> dict[str, str]:
    """The ``CM_`` settings of the demo: every Booking.com URL points at the local sandbox."""
    return {
        # The sandbox pushes from this machine; a CM_PUSH_ALLOWED_IPS of your own still wins.
        "CM_PUSH_ALLOWED_IPS": "127.0.0.0/8, ::1",
        # The sandbox's iCal feeds are on this machine; fetching them must be allowed.
        "CM_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8, ::1",
        **{k: v for k, v in os.environ.items() if k.startswith("CM_")},
        "CM_DATABASE_URL": f"sqlite:///{data_dir / DATABASE_FILE}",
        "CM_VAULT_KEYS": _secret_file(data_dir / "vault.key", generate_key()),
        "CM_BOOKING_BASE_URL": sandbox_url,
        "CM_BOOKING_SECURE_URL": sandbox_url,
        "CM_BOOKING_TOKEN_URL": f"{sandbox_url}/token-based-authentication/exchange",
        "CM_BOOKING_AUTH_URL": sandbox_url,
        "CM_BOOKING_CLIENT_ID": SANDBOX_CLIENT_ID,
        "CM_BOOKING_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "CM_BOOKING_PROVIDER_ID": "channel-manager",
        "CM_PUSH_USERNAME": "sandbox-push",
        "CM_PUSH_PASSWORD": _secret_file(data_dir / "push.password", secrets.token_urlsafe(18)),
        "CM_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


@attrs.frozen
class DemoSetup:
    """A prepared demo: its settings and container, the organisation, a key and a link."""

    settings: Settings
    container: Container
    organization: Organization
    key: IssuedKey
    link: IssuedSigninToken
    env_file: Path


def prepare_demo(directory: Path, environment: dict[str, str], sandbox: SandboxServer) -> DemoSetup:
    """Everything before serving, with the settings of :func:`demo_environment`: the files of
    the data folder (see demo_files), the migrated database, our side's inventory, an API key
    and a sign-in link."""
    settings = Settings.from_env(environment)
    upgrade(settings.database.url)
    env_file = write_env_file(directory, environment, sandbox.base_url)
    write_marker(directory, ui_url=settings.http.public_url, sandbox_url=sandbox.base_url)
    container = build_container(settings)
    organization = seed_inventory(container, sandbox)
    connect_demo_calendar(container, organization, sandbox)
    # One working demo key: the one this run prints (an earlier run's is revoked).
    container.api_keys().revoke_named(organization.id, DEMO_KEY_NAME)
    key = container.api_keys().issue(organization.id, DEMO_KEY_NAME)
    link = container.signin_links().issue(organization.id, MAX_LIFETIME)
    return DemoSetup(settings, container, organization, key, link, env_file)


def seed_inventory(container: Container, sandbox: SandboxServer) -> Organization:
    """Our own side of the demo: an organisation whose properties and units resemble the
    sandbox's first hotels, so the mapping screen has suggestions to show.
    """
    inventory = container.inventory()
    organization = inventory.ensure_organization(DEMO_ORGANIZATION)
    if inventory.list_properties(organization.id):
        return organization
    for number, hotel in enumerate(list(sandbox.state.hotels.values())[:2]):
        zone = _DEMO_TIME_ZONES.get(hotel.city, "UTC")
        prop = inventory.create_property(organization.id, hotel.name, hotel.currency, zone)
        for index, room in enumerate(hotel.rooms[:4]):
            # The first unit is one flat, also let on Airbnb (connect_demo_calendar): with one
            # room, a booking on either side closes the night on the other.
            count = 1 if (number, index) == (0, 0) else 3
            inventory.create_unit(organization.id, prop.id, room.name, count, room.max_persons)
    return organization


#: The sandbox's seeded Airbnb-style listing (booking_sandbox.seed.seed_ical_listing).
DEMO_LISTING = "7100001"


def connect_demo_calendar(
    container: Container, organization: Organization, sandbox: SandboxServer
) -> None:
    """One Airbnb calendar connected to the one-room unit named after the first sandbox
    hotel's first room (the unit the Booking.com mapping suggests for that room), once: its
    stays and blocks come in through the worker's fetch, and the sandbox fetches our export
    of that unit the way Airbnb does (every ``ical_fetch_every`` seconds)."""
    feeds = container.feeds()
    if feeds.list(organization.id):
        return
    listing = sandbox.state.ical.listing(DEMO_LISTING)
    inventory = container.inventory()
    hotel = next(iter(sandbox.state.hotels.values()))
    prop = next(p for p in inventory.list_properties(organization.id) if p.name == hotel.name)
    unit = next(
        u for u in inventory.list_units(organization.id, prop.id) if u.name == hotel.rooms[0].name
    )
    connected = feeds.connect(
        organization.id,
        channel="ical",
        name=f"Airbnb · {listing.name.removesuffix(' (Airbnb)')}",
        unit_id=unit.id,
        import_url=f"{sandbox.base_url}/ical/{DEMO_LISTING}.ics",
    )
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/ical/listings/{DEMO_LISTING}/imports",
        json={"url": connected.export_url},
        timeout=10,
    )
    response.raise_for_status()


def _point_sandbox_push_at_us(sandbox: SandboxServer, settings: Settings) -> None:
    password = settings.push.password.reveal_text() if settings.push.password else ""
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/push-target",
        json={
            "url": f"{settings.http.public_url}/ota/booking/reservations",
            "username": settings.push.username,
            "password": password,
        },
        timeout=10,
    )
    response.raise_for_status()


def _banner(setup: DemoSetup, sandbox: SandboxServer) -> str:
    url, key, link = setup.settings.http.public_url, setup.key, setup.link
    return "\n".join(
        [
            "",
            "channel-manager demo is running",
            f"  web UI        {url}/",
            f"  sign in       {link.url(url)}",
            "                (one-time link, valid for an hour; or paste the API key at /signin)",
            f"  API key       {key.plaintext}",
            f"  REST API      {url}/api/v1  (OpenAPI: {url}/openapi.json)",
            f"  sandbox       {sandbox.base_url}  (Booking.com stand-in; its state is kept)",
            f"  CLI           source {setup.env_file}   (then: channel-manager --help)",
            f"  bookings      curl -X POST {sandbox.base_url}/_sandbox/reservations/generate "
            '-d \'{"kind": "new", "hotel_code": "1000003"}\'',
            "                (a hotel you connected and mapped; modify / cancel: see the README)",
            f"  Airbnb        {sandbox.base_url}/ical/{DEMO_LISTING}.ics is connected as a calendar"
            " (Integrations);",
            f"                a stay: curl -X POST {sandbox.base_url}/_sandbox/ical/listings/"
            f'{DEMO_LISTING}/events -d \'{{"kind": "stay", "start": "YYYY-MM-DD",'
            ' "end": "YYYY-MM-DD"}\'',
            "  Ctrl-C stops everything; running it again goes on where it stopped.",
            "",
        ]
    )


async def _serve(container: Container, port: int) -> None:
    app = build_asgi_app(container)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,  # CM_TRUSTED_PROXIES alone decides whose X-Forwarded-For counts
            # As `serve`: uvicorn's records go through the root handlers and so through the
            # secret-redacting filter; its own handlers would bypass it.
            log_config=None,
            # As `serve`: idle and half-sent requests are closed (entrypoints/http_guard.py).
            http=deadline_protocol(HEADER_TIMEOUT, BODY_TIMEOUT, max_per_address=MAX_PER_ADDRESS),
        )
    )
    await run_server(server, container, with_worker=True, worker_id="demo-worker")


class PortInUseError(RuntimeError):
    """A port the demo needs is taken (by another demo, say)."""


def _check_free(port: int, option: str) -> None:
    """Refuse before anything starts or is printed: a banner pointing at somebody else's
    server, followed by a traceback, sent people to the wrong page."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise PortInUseError(
                f"port {port} on 127.0.0.1 is in use ({error.strerror}); choose another with "
                f"{option} (make demo DEMO_ARGS='{option} <port>')"
            ) from None


def run_demo(
    port: int = 8000, sandbox_port: int = 8099, data_dir: str = ".demo", seed: int = 1
) -> None:
    """Run the whole product locally until Ctrl-C; :class:`PortInUseError` when a port the
    demo needs is taken."""
    _check_free(port, "--port")
    _check_free(sandbox_port, "--sandbox-port")
    directory = Path(data_dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    # The sandbox fetches our export of the demo calendar every minute (Airbnb: ~3 hours).
    config = SandboxConfig(state_path=directory / SANDBOX_STATE_FILE, ical_fetch_every=60.0)
    with SandboxServer(seed=seed, port=sandbox_port, config=config) as sandbox:
        environment = demo_environment(directory, port, sandbox.base_url)
        # As serve and worker: CM_LOG_LEVEL, secrets masked.
        configure_logging(Settings.from_env(environment))
        setup = prepare_demo(directory, environment, sandbox)
        print(_banner(setup, sandbox), flush=True)  # noqa: T201 - the demo's output
        with contextlib.suppress(KeyboardInterrupt):
            loop = asyncio.new_event_loop()
            try:
                task = loop.create_task(_serve(setup.container, port))
                loop.call_later(1.0, _point_sandbox_push_at_us, sandbox, setup.settings)
                loop.run_until_complete(task)
            except KeyboardInterrupt:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, KeyboardInterrupt):
                    loop.run_until_complete(task)
            finally:
                loop.close()
