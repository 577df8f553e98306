"""Sessions kept in the database: created only at sign-in, stored as a hash, shared by every
app over the same database, bound to their CSRF token, ended by sign-out, revocation or
expiry; and one-time sign-in links that work once, briefly, and only by POST.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from tests.support.clock import MovableClock
from tests.support.database import rows_by_key
from tests.unit.web.conftest import csrf_from, form_fields, sign_in, signin_link
from tests.unit.web.world import World, web_app


def _stored_sessions(world: World) -> dict[Any, dict[str, Any]]:
    return rows_by_key(world.container.engine(), "web_sessions")


def _session_cookie(client: TestClient) -> str:
    value = next(c.value for c in client.cookies.jar if c.name == "cm_session")
    assert value is not None
    return value


def _clock(world: World) -> MovableClock:
    clock = world.container.clock()
    assert isinstance(clock, MovableClock)
    return clock


def test_cookieless_requests_create_no_session(client: TestClient, world: World) -> None:
    bearer = {"Authorization": f"Bearer {world.api_key}"}
    answers = [
        client.get("/healthz"),
        client.get("/api/v1/properties", headers=bearer),
        client.get("/signin"),
        client.get("/integrations", follow_redirects=False),
        client.get("/openapi.json"),
    ]

    for answer in answers:
        assert "cm_session" not in answer.headers.get("set-cookie", ""), answer.url
    assert _stored_sessions(world) == {}


def test_only_a_hash_of_the_session_id_is_stored(client: TestClient, world: World) -> None:
    sign_in(client, world.api_key)

    session_id = _session_cookie(client)
    stored = _stored_sessions(world)

    assert list(stored) == [hashlib.sha256(session_id.encode()).hexdigest()]
    assert session_id not in repr(stored)
    assert world.api_key not in next(iter(stored.values()))["data"]


def test_a_session_outlives_the_app_that_created_it(world: World) -> None:
    with TestClient(web_app(world), base_url="http://testserver.local") as first:
        sign_in(first, world.api_key)
        cookie = _session_cookie(first)
    # A restart, or another process over the same database.
    with TestClient(web_app(world), base_url="http://testserver.local") as second:
        second.cookies.set("cm_session", cookie, domain="testserver.local")
        assert second.get("/integrations", follow_redirects=False).status_code == 200


def test_a_planted_csrf_cookie_does_not_pass_for_the_session(
    client: TestClient, world: World
) -> None:
    # The attacker's own valid double-submit pair, planted into the victim's browser.
    with TestClient(web_app(world), base_url="http://testserver.local") as attacker:
        attacker_token = csrf_from(attacker.get("/signin").text)
        attacker_cookie = attacker.cookies["cm_csrf"]
    sign_in(client, world.api_key)
    client.cookies.set("cm_csrf", attacker_cookie, domain="testserver.local")

    forged = client.post("/signout", data={"_csrf_token": attacker_token}, follow_redirects=False)

    assert forged.status_code == 403
    assert client.get("/integrations", follow_redirects=False).status_code == 200


def test_a_csrf_token_works_only_for_its_own_session(world: World) -> None:
    with (
        TestClient(web_app(world), base_url="http://testserver.local") as mine,
        TestClient(web_app(world), base_url="http://testserver.local") as theirs,
    ):
        sign_in(mine, world.api_key)
        sign_in(theirs, world.api_key)
        their_token = csrf_from(theirs.get("/integrations").text)

        forged = mine.post("/signout", data={"_csrf_token": their_token}, follow_redirects=False)
        own = mine.post(
            "/signout",
            data={"_csrf_token": csrf_from(mine.get("/integrations").text)},
            follow_redirects=False,
        )

    assert forged.status_code == 403
    assert own.status_code == 303


def test_signing_out_deletes_the_stored_session(client: TestClient, world: World) -> None:
    sign_in(client, world.api_key)
    cookie = _session_cookie(client)
    token = csrf_from(client.get("/integrations").text)

    client.post("/signout", data={"_csrf_token": token}, follow_redirects=False)

    assert _stored_sessions(world) == {}
    client.cookies.set("cm_session", cookie, domain="testserver.local")
    assert client.get("/integrations", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_the_sessions_it_signed_in(client: TestClient, world: World) -> None:
    sign_in(client, world.api_key)

    world.container.api_keys().revoke(world.organization_id, world.api_key)

    assert client.get("/integrations", follow_redirects=False).status_code == 303


def test_an_idle_session_expires_and_is_purged(client: TestClient, world: World) -> None:
    sign_in(client, world.api_key)
    _clock(world).advance(timedelta(hours=11))
    assert client.get("/integrations", follow_redirects=False).status_code == 200  # renews

    _clock(world).advance(timedelta(hours=12, minutes=1))

    assert client.get("/integrations", follow_redirects=False).status_code == 303
    assert _stored_sessions(world) == {}


def test_active_sessions_are_not_rewritten_on_every_request(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.api_key)
    before = dict(_stored_sessions(world))

    for _ in range(3):
        assert client.get("/integrations").status_code == 200

    assert _stored_sessions(world) == before


def test_a_signin_link_works_once(client: TestClient, world: World) -> None:
    confirm = client.get(signin_link(world))
    fields = form_fields(confirm.text)
    assert client.post("/signin/link", data=fields, follow_redirects=False).status_code == 303

    with TestClient(web_app(world), base_url="http://testserver.local") as other:
        other_fields = {**fields, "_csrf_token": csrf_from(other.get("/signin").text)}
        replay = other.post("/signin/link", data=other_fields, follow_redirects=False)

    assert replay.status_code == 401
    assert "already used or expired" in replay.text
    assert "cm_session" not in replay.headers.get("set-cookie", "")


def test_a_signin_link_expires_within_minutes(client: TestClient, world: World) -> None:
    link = signin_link(world)
    fields = form_fields(client.get(link).text)

    _clock(world).advance(timedelta(minutes=16))

    assert client.get(link).status_code == 401
    assert client.post("/signin/link", data=fields, follow_redirects=False).status_code == 401
    assert client.get("/integrations", follow_redirects=False).status_code == 303


def test_a_signin_link_is_stored_only_as_a_hash(world: World) -> None:
    issued = world.container.signin_links().issue(world.organization_id)

    stored = rows_by_key(world.container.engine(), "signin_tokens")

    assert list(stored) == [hashlib.sha256(issued.plaintext.encode()).hexdigest()]


def test_a_third_party_page_cannot_post_a_signin_link(client: TestClient, world: World) -> None:
    # The attacker's page submits its own organisation's token: no CSRF pair of the victim's.
    token = signin_link(world).split("token=")[1]

    forged = client.post("/signin/link", data={"token": token}, follow_redirects=False)

    assert forged.status_code == 403
    assert client.get("/integrations", follow_redirects=False).status_code == 303
