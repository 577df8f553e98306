"""Guessing credentials is stopped: after ``CM_AUTH_FAILURE_LIMIT`` failures an address, or a
credential, is locked out of sign-in, the API and the push endpoint (issue 12 §5).

The attack: nothing limited tries, so an attacker could guess push passwords and API keys as
fast as the server answered. Now each refused credential counts against the client address
and the credential, and once either reaches the limit even the right credential is refused
with 429 and ``Retry-After`` until the window has passed.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from channel_manager.adapters.throttle import FailureThrottle, LockedOut
from channel_manager.container import Container
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.rest.push import push_handlers
from channel_manager.entrypoints.web import web_handlers, web_middleware
from tests.support.containers import app_container, make_settings
from tests.unit.rest.conftest import PEER_HEADER, map_hotel, peer_from_header
from tests.unit.rest.messages import ALLOWED_PEER, PASSWORD, USER, ota_errors, res_notif

LIMIT = 3
PUSH_PATH = "/ota/booking/reservations"
ATTACKER, NEIGHBOUR = "198.51.100.66", "198.51.100.77"


@pytest.fixture
def container() -> Container:
    return app_container(
        settings=make_settings(
            {
                "CM_AUTH_FAILURE_LIMIT": f"{LIMIT} per 15 minutes",
                "CM_PUSH_USERNAME": USER,
                "CM_PUSH_PASSWORD": PASSWORD,
            }
        )
    )


@pytest.fixture
def client(container: Container) -> TestClient[Any]:
    app = create_app(
        container,
        extra_handlers=[*push_handlers(container), *web_handlers(container)],
        middleware=[peer_from_header, *web_middleware(container)],
    )
    return TestClient(app, base_url="http://testserver.local")


def _key(container: Container) -> str:
    organization = container.inventory().ensure_organization("Harbour Hotels")
    return container.api_keys().issue(organization.id, "lockout").plaintext


def _api(client: TestClient[Any], key: str, peer: str) -> httpx.Response:
    return client.get(
        "/api/v1/connections", headers={"authorization": f"Bearer {key}", PEER_HEADER: peer}
    )


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _push(client: TestClient[Any], authorization: str, peer: str = ALLOWED_PEER) -> httpx.Response:
    return client.post(
        PUSH_PATH,
        content=res_notif(),
        headers={
            "content-type": "application/xml",
            "authorization": authorization,
            PEER_HEADER: peer,
        },
    )


def test_an_address_guessing_api_keys_is_locked_out_even_with_a_right_key(
    container: Container, client: TestClient[Any]
) -> None:
    key = _key(container)
    with client:
        for guess in range(LIMIT):
            assert _api(client, f"cm_guess{guess}", ATTACKER).status_code == 401
        locked = _api(client, key, ATTACKER)
        # Another address with the right key is not affected.
        neighbour = _api(client, key, NEIGHBOUR)
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"]["message"].startswith("too many failed attempts")
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert neighbour.status_code == 200


def test_one_key_guessed_from_many_addresses_is_locked_everywhere(
    container: Container, client: TestClient[Any]
) -> None:
    key = _key(container)
    with client:
        for n in range(LIMIT):
            assert _api(client, key + "x", f"203.0.113.{n}").status_code == 401
        assert _api(client, key + "x", "203.0.113.200").status_code == 429
        assert _api(client, key, "203.0.113.200").status_code == 200


def test_requests_without_a_credential_are_no_failures(
    container: Container, client: TestClient[Any]
) -> None:
    key = _key(container)
    with client:
        for _ in range(LIMIT * 3):
            assert (
                client.get("/api/v1/connections", headers={PEER_HEADER: ATTACKER}).status_code
                == 401
            )
        assert _api(client, key, ATTACKER).status_code == 200


def test_push_basic_guessing_is_locked_out_with_an_ota_error(
    container: Container, client: TestClient[Any]
) -> None:
    map_hotel(container)
    with client:
        for n in range(LIMIT):
            assert _push(client, _basic(USER, f"guess-{n}")).status_code == 401
        locked = _push(client, _basic(USER, PASSWORD))
    assert locked.status_code == 429, locked.text
    assert [e.get("Code") for e in ota_errors(locked.content)] == ["497"]
    assert int(locked.headers["retry-after"]) > 0


def test_wrong_push_passwords_from_anywhere_never_lock_the_real_sender_out(
    container: Container,
) -> None:
    """The review's denial of service: the push user name is no secret, and counting failures
    against it let eleven wrong passwords from any host refuse the real sender for 15 minutes.
    Failures count per address and per user-and-password pair: a guessed pair is locked
    everywhere, the right pair from the sender's own address still goes through."""
    settings = make_settings(
        {
            "CM_AUTH_FAILURE_LIMIT": f"{LIMIT} per 15 minutes",
            "CM_PUSH_USERNAME": USER,
            "CM_PUSH_PASSWORD": PASSWORD,
            "CM_PUSH_ALLOWED_IPS": "",
        }
    )
    open_container = app_container(settings=settings)
    map_hotel(open_container)
    app = create_app(
        open_container, extra_handlers=push_handlers(open_container), middleware=[peer_from_header]
    )
    with TestClient(app) as client:
        for n in range(LIMIT + 1):  # one more than the limit, from everywhere
            assert _push(client, _basic(USER, f"guess-{n}"), f"203.0.113.{n}").status_code == 401
        for n in range(LIMIT):
            assert _push(client, _basic(USER, "guess"), f"198.51.100.{n}").status_code == 401
        again = _push(client, _basic(USER, "guess"), "198.51.100.99")
        sender = _push(client, _basic(USER, PASSWORD), "192.0.2.10")
    assert again.status_code == 429, "one pair guessed from many addresses is locked everywhere"
    assert sender.status_code == 200, sender.text


def test_sign_in_guessing_is_locked_out_even_with_the_right_key(
    container: Container, client: TestClient[Any]
) -> None:
    key = _key(container)

    def sign_in(api_key: str) -> httpx.Response:
        page = client.get("/signin", headers={PEER_HEADER: ATTACKER})
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert csrf
        return client.post(
            "/signin",
            data={"api_key": api_key, "_csrf_token": csrf.group(1)},
            headers={PEER_HEADER: ATTACKER},
            follow_redirects=False,
        )

    with client:
        for n in range(LIMIT):
            assert sign_in(f"cm_wrong{n}").status_code == 401
        locked = sign_in(key)
    assert locked.status_code == 429
    assert "too many failed attempts" in locked.text


def test_the_throttle_counts_per_kind_address_and_credential() -> None:
    throttle = FailureThrottle("2 per 1 hour")
    throttle.failed("signin", "192.0.2.1", "cm_a")
    throttle.failed("signin", "192.0.2.1", "cm_b")
    with pytest.raises(LockedOut):
        throttle.check("signin", "192.0.2.1", "cm_c")  # the address
    throttle.check("signin", "192.0.2.2", "cm_a")  # another address, one failure of cm_a
    throttle.check("api-key", "192.0.2.1", "cm_a")  # another kind counts apart
    throttle.failed("signin", "192.0.2.3", "cm_a")
    with pytest.raises(LockedOut) as locked:
        throttle.check("signin", "192.0.2.4", "cm_a")  # the credential
    assert 0 < locked.value.retry_after <= 3600


@pytest.mark.parametrize(("allowed", "warned"), [("", True), ("198.51.100.0/24", False)])
def test_an_open_push_allow_list_is_warned_about_at_startup(
    caplog: pytest.LogCaptureFixture, allowed: str, warned: bool
) -> None:
    settings = make_settings({"CM_PUSH_ALLOWED_IPS": allowed})
    with caplog.at_level("WARNING"):
        push_handlers(app_container(settings=settings))
    assert any("CM_PUSH_ALLOWED_IPS is not set" in r.message for r in caplog.records) is warned
