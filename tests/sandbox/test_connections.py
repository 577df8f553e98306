"""The Extranet stand-in and the Connections API."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from booking_sandbox.config import MachineAccount, SandboxConfig
from booking_sandbox.server import SandboxServer

from .helpers import bearer_for

RETURN = "http://127.0.0.1:9/connect/booking/return?flow=abc"
SEARCH = b'<OTA_HotelSearchRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'


def request_connection(client: httpx.Client, hotel_id: str) -> dict[str, list[str]]:
    page = client.get(
        "/extranet/connect",
        params={"hotel_id": hotel_id, "provider": "channel-manager", "return_url": RETURN},
    )
    assert page.status_code == 200
    assert "Request connection" in page.text
    response = client.post(
        "/extranet/connect",
        data={"hotel_id": hotel_id, "return_url": RETURN, "decision": "request"},
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(RETURN)
    return parse_qs(urlsplit(location).query)


def test_extranet_request_then_accept_connects_the_property(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    status_url = "/connections-api/properties/1000003/status"
    assert client.get(status_url, headers=auth).json()["data"]["status"] == "not_connected"

    query = request_connection(client, "1000003")

    assert query == {"flow": ["abc"], "hotel_id": ["1000003"], "outcome": ["requested"]}
    pending = client.get("/connections-api/requests", headers=auth).json()["data"]["requests"]
    assert [p["hotel_id"] for p in pending] == ["1000003"]
    assert client.get(status_url, headers=auth).json()["data"]["status"] == "pending"

    accepted = client.post("/connections-api/requests/1000003/accept", headers=auth)

    assert accepted.status_code == 200
    status = client.get(status_url, headers=auth).json()
    assert set(status) == {"meta", "warnings", "errors", "data"}
    assert status["meta"]["ruid"]
    assert status["data"]["status"] == "connected"
    assert status["data"]["connected_at"]
    search = client.post("/hotels/ota/OTA_HotelSearch", content=SEARCH, headers=auth)
    assert 'HotelCode="1000003"' in search.text


def test_cancel_on_the_extranet_leaves_the_property_unconnected(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    response = client.post(
        "/extranet/connect",
        data={"hotel_id": "1000004", "return_url": RETURN, "decision": "cancel"},
    )

    assert parse_qs(urlsplit(response.headers["location"]).query)["outcome"] == ["cancelled"]
    assert client.get("/connections-api/requests", headers=auth).json()["data"]["requests"] == []


def test_accepting_without_a_pending_request_is_403_635(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    response = client.post("/connections-api/requests/1000004/accept", headers=auth)

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 635


def test_reject_and_deactivate(client: httpx.Client, auth: dict[str, str]) -> None:
    request_connection(client, "1000004")
    rejected = client.post("/connections-api/requests/1000004/reject", headers=auth)
    assert rejected.json()["data"]["status"] == "not_connected"

    deactivated = client.post("/connections-api/properties/1000001/deactivate", headers=auth)
    assert deactivated.json()["data"]["status"] == "not_connected"
    again = client.post("/connections-api/properties/1000001/deactivate", headers=auth)
    assert (again.status_code, again.json()["errors"][0]["code"]) == (400, 450)


def test_invalid_and_unknown_property_ids(client: httpx.Client, auth: dict[str, str]) -> None:
    invalid = client.get("/connections-api/properties/abc/status", headers=auth)
    unknown = client.get("/connections-api/properties/999/status", headers=auth)

    assert (invalid.status_code, invalid.json()["errors"][0]["code"]) == (400, 320)
    assert (unknown.status_code, unknown.json()["errors"][0]["code"]) == (400, 450)


def test_uncertified_accounts_get_403_497() -> None:
    account = MachineAccount("sandbox-client", "sandbox-secret", "u", "p", certified=False)
    with (
        SandboxServer(config=SandboxConfig(machine_accounts=(account,))) as running,
        httpx.Client(base_url=running.base_url) as http,
    ):
        response = http.get("/connections-api/requests", headers=bearer_for(http))

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 497


def test_injected_server_error_uses_the_envelope_with_448(
    client: httpx.Client, auth: dict[str, str], server: SandboxServer
) -> None:
    server.faults.inject("/connections-api/*", "5xx", count=1, status=500)

    response = client.get("/connections-api/requests", headers=auth)

    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == 448


def test_extranet_refuses_unknown_hotels_and_unsafe_return_urls(client: httpx.Client) -> None:
    unknown = client.get("/extranet/connect", params={"hotel_id": "42", "return_url": RETURN})
    unsafe = client.get(
        "/extranet/connect", params={"hotel_id": "1000001", "return_url": "javascript:alert(1)"}
    )

    assert unknown.status_code == 404
    assert unsafe.status_code == 400
