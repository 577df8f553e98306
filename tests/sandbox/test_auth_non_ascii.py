"""Credentials with non-ASCII characters are wrong credentials (401), never a server error.

``secrets.compare_digest`` raises TypeError for non-ASCII ``str``; the sandbox compares bytes.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from booking_sandbox.oauth import OAuthError, s256
from booking_sandbox.state import SandboxState

EXCHANGE = "/token-based-authentication/exchange"
SEARCH = b'<OTA_HotelSearchRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'


def test_a_non_ascii_client_secret_is_401(client: httpx.Client) -> None:
    response = client.post(
        EXCHANGE, json={"client_id": "sandbox-client", "client_secret": "s\u00e9cret"}
    )

    assert response.status_code == 401


def test_a_non_ascii_basic_password_is_401(client: httpx.Client) -> None:
    pair = base64.b64encode("sandbox-user:p\u00e4ss".encode()).decode()

    response = client.post(
        "/hotels/ota/OTA_HotelSearch", content=SEARCH, headers={"Authorization": f"Basic {pair}"}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("verifier", ["ünïcødé" * 8, "short", "", "x" * 129])
def test_a_non_ascii_or_malformed_pkce_verifier_is_refused_not_a_crash(verifier: str) -> None:
    server = SandboxState.seeded(1).oauth
    code = server.issue_code(
        "sandbox-client", "http://127.0.0.1:9/cb", s256("x" * 43), ("1000001",)
    )

    with pytest.raises(OAuthError) as refused:
        server.redeem_code("sandbox-client", code, "http://127.0.0.1:9/cb", verifier)

    assert refused.value.error == "invalid_grant"


def test_a_valid_verifier_still_redeems() -> None:
    server = SandboxState.seeded(1).oauth
    code = server.issue_code(
        "sandbox-client", "http://127.0.0.1:9/cb", s256("x" * 43), ("1000001",)
    )

    tokens = server.redeem_code("sandbox-client", code, "http://127.0.0.1:9/cb", "x" * 43)

    assert tokens["access_token"]
