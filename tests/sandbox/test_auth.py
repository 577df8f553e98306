"""Token exchange, the hourly token budget, Bearer checks and legacy Basic."""

from __future__ import annotations

import base64

import httpx
import jwt

from booking_sandbox.config import MachineAccount, SandboxConfig
from booking_sandbox.server import SandboxServer
from booking_sandbox.state import SandboxState

from .helpers import bearer_for

SEARCH = b'<OTA_HotelSearchRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'
EXCHANGE = "/token-based-authentication/exchange"
CREDENTIALS = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


def test_exchange_returns_an_hour_long_hs256_jwt_and_a_ruid(client: httpx.Client) -> None:
    response = client.post(EXCHANGE, json=CREDENTIALS)

    assert response.status_code == 200
    body = response.json()
    assert body["ruid"]
    claims = jwt.decode(body["jwt"], options={"verify_signature": False})
    assert claims["sub"] == "sandbox-client"
    assert claims["exp"] - claims["iat"] == 3600
    assert jwt.get_unverified_header(body["jwt"])["alg"] == "HS256"


def test_wrong_secret_is_401(client: httpx.Client) -> None:
    response = client.post(EXCHANGE, json={**CREDENTIALS, "client_secret": "nope"})

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_missing_fields_are_400(client: httpx.Client) -> None:
    assert client.post(EXCHANGE, json={"client_id": "sandbox-client"}).status_code == 400


def test_31st_token_in_an_hour_is_refused_until_the_hour_passes(
    client: httpx.Client, state: SandboxState
) -> None:
    for _ in range(30):
        assert client.post(EXCHANGE, json=CREDENTIALS).status_code == 200

    refused = client.post(EXCHANGE, json=CREDENTIALS)

    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "TOO_MANY_TOKENS"
    state.clock.advance(3601)
    assert client.post(EXCHANGE, json=CREDENTIALS).status_code == 200


def test_bearer_token_grants_access(client: httpx.Client, auth: dict[str, str]) -> None:
    assert (
        client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=auth).status_code == 200
    )


def test_expired_token_is_401(
    client: httpx.Client, state: SandboxState, auth: dict[str, str]
) -> None:
    state.clock.advance(3601)

    response = client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=auth)

    assert response.status_code == 401
    assert "TOKEN_EXPIRED" in response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_issued_after_the_clock_moved_on_is_accepted(
    client: httpx.Client, state: SandboxState
) -> None:
    """The sandbox clock runs ahead of real time once advanced; a token it issues then has an
    ``iat`` in the real future, which PyJWT refused as "not yet valid" (INVALID_TOKEN)."""
    state.clock.advance(600)
    token = client.post(EXCHANGE, json=CREDENTIALS).json()["jwt"]

    response = client.post(
        "/hotels/ota/OTA_HotelSearch", content=SEARCH, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 200, response.text


def test_missing_and_forged_tokens_are_401(client: httpx.Client) -> None:
    forged = jwt.encode({"typ": "machine", "sub": "sandbox-client", "exp": 4102444800}, "guess" * 8)

    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {forged}"},
    ):
        response = client.get("/hotels/ota/OTA_HotelResNotif", headers=headers)
        assert response.status_code == 401, headers


def test_every_api_family_checks_the_token(client: httpx.Client) -> None:
    calls = [
        ("GET", "/hotels/ota/OTA_HotelResModifyNotif"),
        ("POST", "/hotels/ota/OTA_HotelAvailNotif"),
        ("POST", "/hotels/xml/roomrates"),
        ("GET", "/connections-api/requests"),
    ]
    for method, path in calls:
        assert client.request(method, path).status_code == 401, path


def test_basic_auth_is_refused_unless_configured() -> None:
    basic = {
        "Authorization": "Basic " + base64.b64encode(b"sandbox-user:sandbox-password").decode()
    }
    with SandboxServer() as default:
        url = f"{default.base_url}/hotels/ota/OTA_HotelResNotif"
        assert httpx.get(url, headers=basic).status_code == 401
    with SandboxServer(config=SandboxConfig(allow_basic_auth=True)) as legacy:
        url = f"{legacy.base_url}/hotels/ota/OTA_HotelResNotif"
        assert httpx.get(url, headers=basic).status_code == 200
        wrong = {"Authorization": "Basic " + base64.b64encode(b"sandbox-user:bad").decode()}
        assert httpx.get(url, headers=wrong).status_code == 401


def test_the_token_budget_is_per_client_id() -> None:
    second = MachineAccount("second-client", "second-secret", "second-user", "second-password")
    config = SandboxConfig(
        tokens_per_hour=1, machine_accounts=(*SandboxConfig().machine_accounts, second)
    )
    with (
        SandboxServer(config=config) as running,
        httpx.Client(base_url=running.base_url) as http,
    ):
        bearer_for(http)
        assert http.post(EXCHANGE, json=CREDENTIALS).status_code == 429
        other = {"client_id": "second-client", "client_secret": "second-secret"}
        assert http.post(EXCHANGE, json=other).status_code == 200
