"""Credentials with non-ASCII characters are wrong credentials (401), never a server error.

``secrets.compare_digest`` raises TypeError for non-ASCII ``str``; the sandbox compares bytes.
"""

from __future__ import annotations

import base64

import httpx

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
