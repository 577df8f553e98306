"""Signing in and out, session cookie flags, and redirects for pages that need a session."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.unit.web.conftest import csrf_from, form_fields, sign_in, signin_link
from tests.unit.web.world import World


def test_pages_redirect_to_signin_without_a_session(client: TestClient) -> None:
    response = client.get("/integrations?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fintegrations%3Fx%3D1"


def test_signin_form_keeps_the_key_in_an_httponly_lax_session(
    client: TestClient, world: World
) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"api_key": world.api_key, "_csrf_token": csrf_from(page.text), "next": "/sync"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/sync"
    cookie = response.headers["set-cookie"]
    assert "cm_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("samesite", "SameSite")
    assert world.api_key not in cookie
    assert client.get("/integrations").status_code == 200


def test_wrong_key_is_refused_with_a_message(client: TestClient) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin", data={"api_key": "cm_nope", "_csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 401
    assert "unknown or revoked" in response.text
    assert client.get("/integrations", follow_redirects=False).status_code == 303


def test_an_api_key_in_the_url_signs_nobody_in(client: TestClient, world: World) -> None:
    response = client.get(f"/signin?key={world.api_key}", follow_redirects=False)

    assert response.status_code == 400
    assert "not accepted in links" in response.text
    assert "cm_session" not in response.headers.get("set-cookie", "")
    assert client.get("/integrations", follow_redirects=False).status_code == 303


def test_a_signin_link_asks_before_it_signs_in(client: TestClient, world: World) -> None:
    link = signin_link(world)

    confirm = client.get(link, follow_redirects=False)

    assert confirm.status_code == 200
    assert "Harbour Hotels" in confirm.text
    assert "cm_session" not in confirm.headers.get("set-cookie", "")
    assert client.get("/integrations", follow_redirects=False).status_code == 303
    fields = form_fields(confirm.text)
    answer = client.post("/signin/link", data=fields, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/integrations"
    assert "Booking.com" in client.get("/integrations").text


def test_next_parameter_cannot_leave_the_site(client: TestClient, world: World) -> None:
    confirm = client.get(f"{signin_link(world)}&next=//evil.example/x")

    answer = client.post("/signin/link", data=form_fields(confirm.text), follow_redirects=False)

    assert answer.headers["location"] == "/integrations"


def test_signout_clears_the_session(client: TestClient, world: World) -> None:
    sign_in(client, world.api_key)
    page = client.get("/integrations")
    response = client.post(
        "/signout", data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/integrations", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_token_are_rejected(client: TestClient, world: World) -> None:
    sign_in(client, world.api_key)
    response = client.post("/signout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/integrations", follow_redirects=False).status_code == 200


def test_json_api_takes_bearer_keys_without_csrf(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/properties",
        json={"name": "Second House", "currency": "EUR"},
        headers={"Authorization": f"Bearer {world.api_key}"},
    )
    assert response.status_code == 201, response.text


def _session_ids(client: TestClient) -> set[str]:
    return {str(c.value) for c in client.cookies.jar if c.name == "cm_session" and c.value}


def test_signing_in_gives_a_new_session_id(client: TestClient, world: World) -> None:
    planted = "a" * 64  # an id fixed in the browser before sign-in (session fixation)
    client.cookies.set("cm_session", planted, domain="testserver.local")

    sign_in(client, world.api_key)

    issued = _session_ids(client)
    assert issued
    assert planted not in issued
    assert client.get("/integrations").status_code == 200
    client.cookies.delete("cm_session")
    client.cookies.set("cm_session", planted, domain="testserver.local")
    assert client.get("/integrations", follow_redirects=False).status_code in {302, 303}


def test_the_session_reads_the_json_api_but_cannot_write_through_it(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.api_key)

    assert client.get("/api/v1/properties").status_code == 200
    forged = client.post("/api/v1/properties", json={"name": "Forged", "currency": "EUR"})

    assert forged.status_code == 401
    names = [p["name"] for p in client.get("/api/v1/properties").json()]
    assert "Forged" not in names
