"""Helpers for the browser story against the Booking.com sandbox: our service and the sandbox
running side by side over real HTTP, screenshots at laptop and phone widths, and the dates and
names the story uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import httpx
from playwright.sync_api import Page, ViewportSize

from booking_sandbox.model import Reservation as SandboxReservation
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from tests.browser.conftest import ARTIFACTS
from tests.e2e.flows import Tenant, make_tenant, ok
from tests.e2e.harness import RunningService, free_socket, running_service, service_environ

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


#: The outermost elements reaching past the right edge of the screen, to name in the error.
_WIDEST_ELEMENTS = """(limit) => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > limit
    && e.parentElement.getBoundingClientRect().right <= limit)
  .slice(0, 5)
  .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + Math.round(e.getBoundingClientRect().right) + "px")"""


class SidewaysScrollError(AssertionError):
    """One of our pages is wider than the phone's screen (something overflows)."""


@attrs.frozen
class Story:
    """The sandbox, our service talking to it, and an organisation with a key to sign in with."""

    sandbox: SandboxServer
    service: RunningService
    tenant: Tenant
    api_key: str

    @property
    def signin_link(self) -> str:
        """A fresh one-time sign-in link, as ``make demo`` and ``channel-manager signin-link``
        print: it opens a confirm page whose button signs in.
        """
        issued = self.service.container.signin_links().issue(UUID(self.tenant.organization_id))
        return issued.url(self.service.base_url)

    def sandbox_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body to one of the sandbox's ``/_sandbox`` controls."""
        response = httpx.post(f"{self.sandbox.base_url}{path}", json=body, timeout=10)
        assert response.status_code in {200, 201}, response.text
        return dict(response.json())

    def sandbox_reservations(self, hotel_code: str) -> list[SandboxReservation]:
        """The sandbox's reservations for ``hotel_code``, in id order."""
        held = self.sandbox.state.reservations.values()
        return sorted((r for r in held if r.hotel_code == hotel_code), key=lambda r: r.id)

    def our_reservation(self, external_id: str) -> dict[str, Any] | None:
        """Our stored reservation for a Booking.com id (through our JSON API), if any."""
        found = ok(self.tenant.api.get("/api/v1/reservations", params={"limit": 500}))
        return next((r for r in found if r["external_id"] == external_id), None)


@contextmanager
def running_story(workdir: Path, organization: str) -> Iterator[Story]:
    """Start the sandbox (seed 1) and our service on a fresh SQLite file; stop both after."""
    database_url = f"sqlite:///{workdir / 'channel-manager.db'}"
    upgrade(database_url)
    with SandboxServer(seed=1) as sandbox:
        sock = free_socket()
        public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        environ = service_environ(sandbox.base_url, public_url, database_url)
        with running_service(environ, sock, "browser-worker") as service:
            tenant = make_tenant(service, organization)
            # A key of its own for the browser, as ``channel-manager api-keys create`` makes.
            issued = service.container.api_keys().issue(UUID(tenant.organization_id), "browser")
            try:
                yield Story(sandbox, service, tenant, issued.plaintext)
            finally:
                tenant.api.close()


@attrs.define
class Camera:
    """Full-page screenshots of every step at laptop and phone widths.

    At phone width it also checks that our pages do not scroll sideways: tables must scroll
    inside their own wrapper instead.
    """

    page: Page
    taken: list[Path] = attrs.field(factory=list)

    def shoot(self, name: str, *, ours: bool = True) -> None:
        """``test-artifacts/story-<name>-laptop.png`` and ``-phone.png``."""
        ARTIFACTS.mkdir(exist_ok=True)
        self._save(f"story-{name}-laptop.png")
        self.page.set_viewport_size(PHONE)
        try:
            self._save(f"story-{name}-phone.png")
            width = int(self.page.evaluate("document.documentElement.scrollWidth"))
            if ours and width > PHONE["width"]:
                culprits = self.page.evaluate(_WIDEST_ELEMENTS, PHONE["width"])
                raise SidewaysScrollError(
                    f"{name}: the page is {width}px wide on a phone; too wide: {culprits}"
                )
        finally:
            self.page.set_viewport_size(LAPTOP)

    def _save(self, filename: str) -> None:
        path = ARTIFACTS / filename
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)


def month_crossing_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """Four days from the second-to-last day of a month to the second day of the next one,
    starting after ``today``.
    """
    soon = today + dt.timedelta(days=3)
    next_month = (soon.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return next_month - dt.timedelta(days=2), next_month + dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """``start`` to ``end`` inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def shown_money(amount: Decimal, currency: str) -> str:
    """How the UI writes an amount (two decimals for EUR, thousands separated)."""
    return f"{amount.quantize(Decimal('0.01')):,} {currency}"
