"""Channel health in the web UI (issue 18): the card turns amber then red with the reason,
links to the health page, which explains each fact and reason; another organisation's
connection is a 404."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import lxml.html
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError
from tests.support.builders import booking
from tests.support.clock import MovableClock
from tests.support.markup import elements, html_page
from tests.unit.web.conftest import sign_in
from tests.unit.web.world import HOTEL_CODE, World, connect

UNAVAILABLE = RetryableChannelError("HTTP 503 from Booking.com")


def _poll(world: World, connection_id: UUID, *, fail: bool) -> None:
    if fail:
        world.channel.fail_next(GatewayOperation.FETCH_RESERVATIONS, UNAVAILABLE)
    asyncio.run(world.container.sync().poll(connection_id))


def _health_line(client: TestClient) -> lxml.html.HtmlElement:
    page = html_page(client.get("/integrations").text)
    (card,) = elements(page, "//section[@data-testid='booking-card']")
    (line,) = elements(card, ".//*[@data-testid='card-health']")
    return line


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_the_card_turns_amber_then_red_with_the_reason_and_the_page_explains(
    client: TestClient, world: World
) -> None:
    connection_id = connect(world)
    sign_in(client, world.api_key)
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    _poll(world, connection_id, fail=False)
    green = _health_line(client)
    assert green.get("data-status") == "green"
    assert "all good" in _text(green)
    (link,) = elements(green, ".//a")
    assert link.get("href") == f"/connections/{connection_id}/health"

    _poll(world, connection_id, fail=True)
    amber = _health_line(client)
    assert amber.get("data-status") == "amber"
    assert amber.get("class") == "card-health warn"
    world.channel.enqueue(booking("R1", hotel_code=HOTEL_CODE))
    world.channel.fail_next(GatewayOperation.ACKNOWLEDGE, PermanentChannelError("400", "later"))
    _poll(world, connection_id, fail=False)  # stored, but its acknowledgement refused
    unacked = _health_line(client)
    assert unacked.get("data-status") == "amber"
    assert "1 reservation not yet acknowledged at Booking.com" in _text(unacked)

    _poll(world, connection_id, fail=True)
    clock.advance(timedelta(minutes=12))
    _poll(world, connection_id, fail=True)
    red = _health_line(client)
    assert red.get("data-status") == "red"
    # The card's own alert says the polls fail; the health line gives the next reason.
    assert "60% of 5 attempts failed in the last hour" in _text(red)
    assert "and 1 more" in _text(red)
    assert "HTTP 503" not in _text(red)

    page = html_page(client.get(f"/connections/{connection_id}/health").text)
    (status,) = elements(page, "//*[@data-testid='health-status']")
    assert status.text_content().strip() == "red"
    reasons = [_text(li) for li in elements(page, "//*[@data-testid='health-reasons']/li")]
    assert any("polls failing for 12 min" in r and "HTTP 503" in r for r in reasons)
    (last_poll,) = elements(page, "//dd[@data-fact='last-poll']")
    assert "Polls failing since" in _text(last_poll)
    assert "turns the connection red" in _text(last_poll)  # each fact explained
    (rate,) = elements(page, "//dd[@data-fact='error-rate']")
    assert "3 of 5 attempts failed" in _text(rate)
    (unacknowledged,) = elements(page, "//dd[@data-fact='unacknowledged']")
    assert "R1 since" in _text(unacknowledged)
    assert "acknowledgement refused" in _text(unacknowledged)


def test_another_organisations_or_an_unknown_connection_is_not_found(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.api_key)
    assert client.get(f"/connections/{uuid4()}/health").status_code == 404
