"""The integration card of a connection whose polls keep failing does not read green.

In the demo, a hotel connected through the Extranet answered every 20-second poll with 403
after a sandbox restart while its card stayed a green "active".
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import lxml.html
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.errors import PermanentChannelError
from tests.support.clock import MovableClock
from tests.support.markup import elements, html_page
from tests.unit.web.conftest import sign_in
from tests.unit.web.world import HOTEL_CODE, World, connect

REFUSED = PermanentChannelError("403", f"access denied for hotel {HOTEL_CODE}")


def _poll(world: World, connection_id: UUID, *, refused: bool) -> None:
    if refused:
        world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, REFUSED)
    asyncio.run(world.container.sync().poll(connection_id))


def _card(client: TestClient) -> lxml.html.HtmlElement:
    page = html_page(client.get("/integrations").text)
    (card,) = elements(page, "//section[@data-testid='booking-card']")
    return card


def _status(card: lxml.html.HtmlElement) -> tuple[str, str]:
    (badge,) = elements(card, ".//*[@data-testid='card-status']")
    return badge.text_content().strip(), badge.get("class")


def test_failing_polls_turn_the_badge_amber_then_red_and_back_green(
    client: TestClient, world: World
) -> None:
    connection_id = connect(world)
    sign_in(client, world.api_key)
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    assert _status(_card(client)) == ("active", "badge status-active")

    _poll(world, connection_id, refused=True)
    first = _card(client)

    assert _status(first) == ("polls failing", "badge status-pending")
    (alert,) = elements(first, ".//*[@data-testid='polls-failing']")
    text = " ".join(alert.text_content().split())
    assert f"Polls failing since {clock.now():%Y-%m-%d %H:%M} UTC" in text
    assert f"403: access denied for hotel {HOTEL_CODE}" in text
    assert alert.get("class") == "warn"

    clock.advance(timedelta(minutes=6))
    _poll(world, connection_id, refused=True)
    later = _card(client)

    assert _status(later) == ("polls failing", "badge status-error")
    (alert,) = elements(later, ".//*[@data-testid='polls-failing']")
    assert alert.get("class") == "error"
    assert "6 min ago" in alert.text_content()

    clock.advance(timedelta(seconds=20))
    _poll(world, connection_id, refused=False)
    recovered = _card(client)

    assert _status(recovered) == ("active", "badge status-active")
    assert elements(recovered, ".//*[@data-testid='polls-failing']") == []
