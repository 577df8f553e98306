"""A live server (uvicorn in a thread, in-memory world) and Debian's Chromium via Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.containers import make_settings
from tests.support.network import free_port
from tests.support.waiting import wait_until
from tests.unit.web.world import World, build_world, web_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@attrs.frozen
class LiveServer:
    """The app serving ``world`` at ``base_url``."""

    world: World
    base_url: str


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    world = build_world(settings=make_settings({"CM_PUBLIC_URL": base_url}))
    server = uvicorn.Server(
        uvicorn.Config(web_app(world), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="web-ui-server", daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), timeout=15)
    if not server.started:
        pytest.fail("the web UI server did not start")
    yield LiveServer(world, base_url)
    server.should_exit = True
    thread.join(timeout=10)


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is open, which would break every asyncio test collected after the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot under ``test-artifacts/`` for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
