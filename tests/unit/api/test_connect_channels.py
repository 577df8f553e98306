"""The connection wizard per channel: ``/connect/{channel}`` out and ``/oauth/{channel}/callback``
back, Booking.com's paths being the ``booking`` case; an unknown channel is a 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.builders import catalog
from tests.support.containers import app_container

OTHER = "other"
JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Wizard:
    def __init__(self, client: TestClient[Any], container: Container) -> None:
        self.client = client
        self.container = container
        organization = container.inventory().ensure_organization("Canal Hotels")
        self.key = container.api_keys().issue(organization.id, "tests").plaintext

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **JSON}

    def flow(self, channel: str) -> FakeOAuth2Authorizer:
        flow = self.container.channels().authorizers(channel)[AuthMode.OAUTH2]
        assert isinstance(flow, FakeOAuth2Authorizer)
        return flow

    def start(self, channel: str) -> str:
        out = self.client.get(f"/connect/{channel}", headers=self.auth(), follow_redirects=False)
        assert out.status_code == 302, out.text
        location: str = out.headers["location"]
        return location

    def finish(self, channel: str, params: dict[str, str]) -> Any:
        return self.client.get(f"/oauth/{channel}/callback", params=params, headers=self.auth())


@pytest.fixture
def wizard() -> Iterator[Wizard]:
    ours, theirs = FakeChannel(), FakeChannel()
    ours.add_hotel(catalog())
    theirs.add_hotel(catalog())
    container = app_container(ours, others={OTHER: theirs})
    with TestClient(build_asgi_app(container)) as client:
        yield Wizard(client, container)


@pytest.mark.parametrize("channel", ["booking", OTHER])
def test_each_channel_connects_through_its_own_paths(wizard: Wizard, channel: str) -> None:
    url = wizard.start(channel)
    redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]

    back = wizard.finish(channel, wizard.flow(channel).approve(url))

    assert urlsplit(redirect_uri).path == f"/oauth/{channel}/callback"
    assert back.status_code == 200, back.text
    [listed] = wizard.client.get("/api/v1/connections", headers=wizard.auth()).json()
    assert listed["id"] == back.json()["connection_id"]
    assert listed["channel"] == channel


def test_an_unknown_channel_is_a_404_that_names_the_channels(wizard: Wizard) -> None:
    out = wizard.client.get("/connect/expedia", headers=wizard.auth(), follow_redirects=False)
    back = wizard.client.get(
        "/oauth/expedia/callback", params={"state": "x", "code": "y"}, headers=wizard.auth()
    )

    for answer in (out, back):
        assert answer.status_code == 404, answer.text
        error = answer.json()["error"]
        assert error["type"] == "not_found"
        assert error["message"] == (
            "there is no channel 'expedia' here (channels: booking, ical, other)"
        )


def test_an_unknown_channel_is_a_404_page_for_a_browser(wizard: Wizard) -> None:
    out = wizard.client.get(
        "/connect/expedia",
        headers={"Authorization": f"Bearer {wizard.key}", **BROWSER},
        follow_redirects=False,
    )

    assert out.status_code == 404
    assert out.headers["content-type"].startswith("text/html")
    assert "Channel not found." in out.text


def test_a_flow_finished_at_another_channels_callback_is_refused_and_left_usable(
    wizard: Wizard,
) -> None:
    url = wizard.start("booking")
    params = wizard.flow("booking").approve(url)

    wrong = wizard.finish(OTHER, params)
    right = wizard.finish("booking", params)

    assert wrong.status_code == 422, wrong.text
    assert "not started for channel 'other'" in wrong.json()["error"]["message"]
    assert right.status_code == 200, right.text
