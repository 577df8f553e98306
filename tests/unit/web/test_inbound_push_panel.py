"""The integrations page's panel on reservations pushed to us: the endpoint's address from the
public URL, whether push is on, the allowed senders, each connection's last push with its
outcome, and the organisation's pushed messages not applied yet. The push password never
reaches the page.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import attrs
import lxml.html
import pytest
from litestar.testing import TestClient

from channel_manager.adapters.booking.push_codec import OtaPushCodec
from channel_manager.domain.messages import MessageDirection
from channel_manager.domain.push_inbox import InboxFailure, InboxRoute, InboxRow
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.rest.push import PUSH_PATH, push_handlers
from channel_manager.entrypoints.web import web_handlers, web_middleware
from channel_manager.entrypoints.web.inbound_push import answer_error
from channel_manager.ports.inbound import PushRefused, RefusalReason
from tests.support.clock import MovableClock
from tests.support.containers import make_settings
from tests.support.markup import elements, html_page
from tests.unit.rest.messages import res_notif
from tests.unit.web.conftest import sign_in
from tests.unit.web.world import World, build_world, connect, other_organization_key

PASSWORD = "Harbour-Push-2026!"
SETTINGS = {
    "CM_PUBLIC_URL": "https://cm.example.org/",
    "CM_PUSH_USERNAME": "harbour-sender",
    "CM_PUSH_PASSWORD": PASSWORD,
}


def _client(world: World) -> TestClient[Any]:
    """The web UI and the push endpoint, as ``serve`` runs them."""
    container = world.container
    app = create_app(
        container,
        extra_handlers=[*web_handlers(container), *push_handlers(container)],
        middleware=web_middleware(container, container.settings()),
    )
    # https: with an https public URL the session and CSRF cookies are Secure.
    return TestClient(app, base_url="https://testserver.local")


@pytest.fixture
def pushed_world() -> World:
    return build_world(settings=make_settings(SETTINGS))


@pytest.fixture
def client(pushed_world: World) -> Iterator[TestClient[Any]]:
    with _client(pushed_world) as test_client:
        yield test_client


def _panel(page: str) -> lxml.html.HtmlElement:
    (panel,) = elements(html_page(page), "//*[@data-testid='push-inbound']")
    return panel


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_panel_shows_the_endpoint_and_who_may_push_never_the_password() -> None:
    world = build_world(
        settings=make_settings(
            {
                **SETTINGS,
                "CM_PUSH_ALLOWED_IPS": "198.51.100.0/24,2001:db8::/32",
                "CM_TRUSTED_PROXIES": "10.0.0.1/32",
            }
        )
    )
    with _client(world) as client:
        sign_in(client, world.api_key)
        page = client.get("/integrations").text

    panel = _text(_panel(page))
    assert "https://cm.example.org/ota/booking/reservations" in panel
    assert "push enabled" in panel
    assert "user harbour-sender" in panel
    assert "198.51.100.0/24, 2001:db8::/32" in panel
    assert "as forwarded by 10.0.0.1/32" in panel
    assert PASSWORD not in page
    assert base64.b64encode(PASSWORD.encode()).decode() not in page


def test_without_credentials_the_panel_says_push_is_off_and_open_to_any_address() -> None:
    world = build_world(settings=make_settings({"CM_PUSH_USERNAME": "", "CM_PUSH_PASSWORD": ""}))
    with _client(world) as client:
        sign_in(client, world.api_key)
        panel = _text(_panel(client.get("/integrations").text))

    assert "push disabled" in panel
    assert "every push is refused until CM_PUSH_USERNAME and CM_PUSH_PASSWORD are set" in panel
    assert "any address" in panel
    assert "http://127.0.0.1:8000/ota/booking/reservations" in panel  # the default public URL


def test_each_connection_shows_when_its_last_push_arrived_and_how_it_went(
    client: TestClient[Any], pushed_world: World
) -> None:
    world = pushed_world
    connection_id = connect(world)
    sign_in(client, world.api_key)
    page = client.get(f"/connections/{connection_id}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    fields |= {"hotel-0-property": str(world.property_id), "_csrf_token": token.group(1)}
    assert "Mapping saved" in client.post(f"/connections/{connection_id}/mapping", data=fields).text

    (last,) = elements(html_page(client.get("/integrations").text), "//*[@data-testid='last-push']")
    assert "none yet" in _text(last)

    stored = client.post(
        PUSH_PATH,
        content=res_notif(res_id="PUSH-1"),
        headers={"Authorization": _basic("harbour-sender", PASSWORD)},
    )
    assert stored.status_code == 200, stored.text
    arrived = world.container.clock().now()
    # Stored and acknowledged; the worker applies it (driven here as it drives it).
    assert world.container.push_inbox().apply_due() == 1
    panel = html_page(client.get("/integrations").text)
    (last,) = elements(panel, "//*[@data-testid='last-push']")
    assert "stored" in _text(last)
    (waiting,) = elements(panel, "//*[@data-testid='push-inbox']")
    assert "Every pushed message has been applied" in _text(waiting)
    assert arrived.strftime("%Y-%m-%d %H:%M UTC") in _text(last)

    # A later answer that refused the push (as the endpoint writes it) shows what was wrong.
    clock: object = world.container.clock()  # the world's MovableClock
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(minutes=1))  # later: no tie for random ids to break
    refusal = PushRefused(409, RefusalReason.REFUSED, "reservation PUSH-1 is cancelled")
    answer = OtaPushCodec(max_bytes=1 << 20).encode_error(refusal, headers={"soapaction": ""})
    world.container.message_log().write(
        connection_id=connection_id,
        direction=MessageDirection.OUTBOUND,
        endpoint=PUSH_PATH,
        message_type="OTA_HotelResNotifRS",
        body=answer.body.decode(),
        http_status=409,
        outcome="error",
    )
    (last,) = elements(html_page(client.get("/integrations").text), "//*[@data-testid='last-push']")
    assert "refused 409" in _text(last)
    assert "reservation PUSH-1 is cancelled" in _text(last)

    # Another organisation sees its own (no) connections only.
    with _client(world) as stranger:
        sign_in(stranger, other_organization_key(world))
        theirs = stranger.get("/integrations").text
    assert elements(html_page(theirs), "//*[@data-testid='last-push']") == []
    assert "PUSH-1" not in theirs


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("<x:E xmlns:x='urn:x'><x:Errors><x:Error ShortText='short'/></x:Errors></x:E>", "short"),
        ("<Errors><Error ShortText='short'>the whole text</Error></Errors>", "the whole text"),
        ("<Success/>", None),
        ("not xml", None),
        ('<!DOCTYPE x [<!ENTITY e "boom">]><Error>&e;</Error>', None),
    ],
)
def test_the_error_of_a_logged_answer(body: str, error: str | None) -> None:
    assert answer_error(body) == error


def test_the_panel_counts_the_organisations_flagged_pushes_only(
    client: TestClient[Any], pushed_world: World
) -> None:
    world = pushed_world
    connection_id = connect(world)
    now = world.container.clock().now()
    ours = InboxRow(
        id=uuid4(),
        channel="booking",
        received_at=now,
        sealed_body=b"sealed",
        message_type="OTA_HotelResNotifRQ",
        ruid=None,
        routes=(InboxRoute("PUSH-9", "1234567", connection_id),),
    ).failed(InboxFailure.REFUSED, "reservation PUSH-9 is cancelled", now)
    nobodys = attrs.evolve(ours, id=uuid4(), routes=(InboxRoute("PUSH-8", "999000"),))
    with world.container.uow_factory()() as uow:
        uow.push_inbox.add(ours)
        uow.push_inbox.add(nobodys)
        uow.commit()
    sign_in(client, world.api_key)

    (flagged,) = elements(
        html_page(client.get("/integrations").text), "//*[@data-testid='push-inbox-flagged']"
    )
    assert _text(flagged) == "1 not applied"
    with _client(world) as stranger:
        sign_in(stranger, other_organization_key(world))
        theirs = lxml.html.fromstring(stranger.get("/integrations").text)
    assert theirs.xpath("//*[@data-testid='push-inbox-flagged']") == []
