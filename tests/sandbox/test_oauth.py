"""OAuth 2.0: consent page, approve/deny, PKCE, single-use codes, rotating refresh, revoke."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx

from booking_sandbox.state import SandboxState

REDIRECT = "http://127.0.0.1:9/oauth/booking/callback"
VERIFIER = "a-long-enough-code-verifier-for-pkce-0123456789abcdef"
SEARCH = b'<OTA_HotelSearchRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'


def challenge(verifier: str = VERIFIER) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "sandbox-client",
        "redirect_uri": REDIRECT,
        "state": "st-123",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return params


def decide(client: httpx.Client, decision: str, hotels: list[str]) -> dict[str, list[str]]:
    """Post the consent form and return the redirect's query."""
    form: dict[str, str | list[str]] = {**authorize_params(), "decision": decision}
    form["hotel_id"] = hotels
    response = client.post("/oauth2/authorize", data=form)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlsplit(location).query)


def get_tokens(client: httpx.Client, hotels: list[str]) -> dict[str, object]:
    code = decide(client, "approve", hotels)["code"][0]
    response = client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, object] = response.json()
    return tokens


def refresh(client: httpx.Client, token: object) -> httpx.Response:
    return client.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": str(token)},
        auth=("sandbox-client", "sandbox-secret"),
    )


def test_authorize_page_lists_hotels_with_approve_and_deny(
    client: httpx.Client, state: SandboxState
) -> None:
    response = client.get("/oauth2/authorize", params=authorize_params(hotel_id="1000002"))

    assert response.status_code == 200
    page = response.text
    assert "Approve" in page
    assert "Deny" in page
    for code in state.hotels:
        assert f"value='{code}'" in page
    assert "value='1000002' checked" in page
    assert "value='1000001' checked" not in page


def test_deny_redirects_with_access_denied_and_state(client: httpx.Client) -> None:
    query = decide(client, "deny", ["1000001"])

    assert query == {"error": ["access_denied"], "state": ["st-123"]}


def test_approve_returns_code_and_tokens_scoped_to_the_approved_hotels(
    client: httpx.Client,
) -> None:
    tokens = get_tokens(client, ["1000003", "1000004"])

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["hotel_ids"] == ["1000003", "1000004"]
    assert tokens["scope"]
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    search = client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=headers)
    assert search.status_code == 200
    assert 'HotelCode="1000003"' in search.text
    assert 'HotelCode="1000004"' in search.text
    assert 'HotelCode="1000001"' not in search.text


def test_wrong_pkce_verifier_is_invalid_grant(client: httpx.Client) -> None:
    code = decide(client, "approve", ["1000001"])["code"][0]

    response = client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": "some-other-verifier-which-does-not-match-at-all",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_single_use_and_bound_to_the_redirect_uri(client: httpx.Client) -> None:
    code = decide(client, "approve", ["1000001"])["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:9/elsewhere",
        "code_verifier": VERIFIER,
    }
    basic = ("sandbox-client", "sandbox-secret")

    mismatched = client.post("/oauth2/token", data=form, auth=basic)
    replayed = client.post("/oauth2/token", data={**form, "redirect_uri": REDIRECT}, auth=basic)

    assert mismatched.json()["error"] == "invalid_grant"
    assert replayed.json()["error"] == "invalid_grant"


def test_confidential_client_must_authenticate(client: httpx.Client) -> None:
    code = decide(client, "approve", ["1000001"])["code"][0]

    response = client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
            "client_id": "sandbox-client",
        },
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_rotates_and_replaying_an_old_token_revokes_the_grant(
    client: httpx.Client,
) -> None:
    tokens = get_tokens(client, ["1000001"])

    first = refresh(client, tokens["refresh_token"])
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["hotel_ids"] == ["1000001"]

    replay = refresh(client, tokens["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # Reuse of a rotated token signals theft: the whole grant is gone.
    assert refresh(client, rotated["refresh_token"]).status_code == 400
    headers = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (
        client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=headers).status_code
        == 401
    )


def test_revoked_access_token_is_refused(client: httpx.Client) -> None:
    tokens = get_tokens(client, ["1000001"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=headers).status_code
        == 200
    )

    assert (
        client.post("/oauth2/revoke", data={"token": str(tokens["access_token"])}).status_code
        == 200
    )

    assert (
        client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=headers).status_code
        == 401
    )
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_revoking_the_refresh_token_ends_the_grant(client: httpx.Client) -> None:
    tokens = get_tokens(client, ["1000001"])

    client.post("/oauth2/revoke", data={"token": str(tokens["refresh_token"])})

    assert refresh(client, tokens["refresh_token"]).status_code == 400


def test_missing_pkce_redirects_with_invalid_request(client: httpx.Client) -> None:
    params = authorize_params()
    del params["code_challenge"]

    response = client.get("/oauth2/authorize", params=params)

    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["st-123"]


def test_unknown_client_or_bad_redirect_uri_shows_an_error_instead_of_redirecting(
    client: httpx.Client,
) -> None:
    unknown = client.get("/oauth2/authorize", params=authorize_params(client_id="nobody"))
    bad_uri = client.get("/oauth2/authorize", params=authorize_params(redirect_uri="javascript:x"))

    assert unknown.status_code == 400
    assert bad_uri.status_code == 400
    assert "location" not in unknown.headers


def test_approving_without_choosing_a_hotel_is_refused(client: httpx.Client) -> None:
    form = {**authorize_params(), "decision": "approve"}

    assert client.post("/oauth2/authorize", data=form).status_code == 400


def test_unsupported_grant_type(client: httpx.Client) -> None:
    response = client.post(
        "/oauth2/token", data={"grant_type": "password"}, auth=("sandbox-client", "sandbox-secret")
    )

    assert response.json()["error"] == "unsupported_grant_type"
