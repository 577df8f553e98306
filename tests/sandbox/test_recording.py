"""Every API request is recorded with secrets masked."""

from __future__ import annotations

import httpx

from booking_sandbox.state import SandboxState


def test_requests_are_recorded_with_authorization_and_secrets_masked(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    client.get("/hotels/ota/OTA_HotelResNotif", headers=auth, params={"limit": "5"})

    exchange, fetch = state.requests
    assert exchange.path == "/token-based-authentication/exchange"
    assert "sandbox-secret" not in exchange.body
    assert '"client_secret": "***"' in exchange.body
    assert '"client_id": "sandbox-client"' in exchange.body
    assert (fetch.method, fetch.path, fetch.query) == (
        "GET",
        "/hotels/ota/OTA_HotelResNotif",
        "limit=5",
    )
    assert fetch.headers["authorization"] == "Bearer ***"


def test_form_secrets_are_masked(client: httpx.Client, state: SandboxState) -> None:
    client.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "rt-very-secret",
            "client_secret": "s",
        },
    )

    body = state.requests[-1].body
    assert "rt-very-secret" not in body
    assert "refresh_token=%2A%2A%2A" in body
    assert "grant_type=refresh_token" in body


def test_admin_endpoint_lists_and_clears_requests(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    client.post(
        "/hotels/xml/roomrates",
        content="<request><hotel_id>1000001</hotel_id></request>",
        headers=auth,
    )

    listed = client.get("/_sandbox/requests", params={"path": "/hotels/xml/roomrates"}).json()

    assert [r["body"] for r in listed["requests"]] == [
        "<request><hotel_id>1000001</hotel_id></request>"
    ]
    assert listed["requests"][0]["headers"]["authorization"] == "Bearer ***"
    client.delete("/_sandbox/requests")
    assert client.get("/_sandbox/requests").json()["requests"] == []
