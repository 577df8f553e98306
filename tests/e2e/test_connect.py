"""Connecting Booking.com: the oauth2 wizard through the sandbox's consent page, and the
booking-connectivity wizard through its Extranet page and Connections API.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from booking_sandbox.server import SandboxServer

from .flows import JSON, Tenant, authorize_oauth2, form_fields, machine_headers, ok

pytestmark = pytest.mark.e2e

CALLBACK = "/oauth/booking/callback"


def test_oauth2_connect_follows_the_redirects_and_activates(tenant: Tenant) -> None:
    callback = authorize_oauth2(tenant, "approve", ["1000001", "1000002"])
    assert urlsplit(callback).path == CALLBACK
    assert set(parse_qs(urlsplit(callback).query)) == {"code", "state"}

    finished = ok(tenant.api.get(callback, headers=JSON))

    assert finished["status"] == "active"
    connections = ok(tenant.api.get("/api/v1/connections"))
    assert [c["id"] for c in connections] == [finished["connection_id"]]
    assert connections[0]["auth_mode"] == "oauth2"
    assert connections[0]["status"] == "active"
    # The consent covered both hotels: the connection sees exactly those.
    hotels = ok(tenant.api.get(f"/api/v1/connections/{finished['connection_id']}/properties"))
    assert sorted(h["hotel_code"] for h in hotels) == ["1000001", "1000002"]


def test_a_browser_returning_from_consent_lands_on_the_result_page(tenant: Tenant) -> None:
    callback = authorize_oauth2(tenant, "approve", ["1000001"])

    landing = tenant.api.get(callback, headers={"Accept": "text/html"})

    assert landing.status_code == 303
    target = urlsplit(landing.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/integrations/booking/result"
    assert query["status"] == ["connected"]
    assert query["connection_id"] == [ok(tenant.api.get("/api/v1/connections"))[0]["id"]]


def test_denied_consent_is_shown_as_an_error_and_connects_nothing(tenant: Tenant) -> None:
    callback = authorize_oauth2(tenant, "deny", ["1000001"])
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]

    answer = tenant.api.get(callback, headers=JSON)

    assert 400 <= answer.status_code < 500, answer.text
    error = answer.json()["error"]
    assert "denied" in error["message"].lower(), error
    assert ok(tenant.api.get("/api/v1/connections")) == []


def test_denied_consent_in_a_browser_redirects_to_the_result_page_with_its_code(
    tenant: Tenant,
) -> None:
    callback = authorize_oauth2(tenant, "deny", ["1000001"])

    landing = tenant.api.get(callback, headers={"Accept": "text/html"})

    assert landing.status_code == 303
    query = parse_qs(urlsplit(landing.headers["location"]).query)
    assert query == {"status": ["error"], "code": ["access_denied"]}  # a code, no text


def test_a_state_cannot_be_used_twice(tenant: Tenant) -> None:
    callback = authorize_oauth2(tenant, "approve", ["1000001"])
    ok(tenant.api.get(callback, headers=JSON))

    replay = tenant.api.get(callback, headers=JSON)

    assert replay.status_code == 400
    assert replay.json()["error"]["type"] == "state_reused"
    assert "already used" in replay.json()["error"]["message"]
    assert len(ok(tenant.api.get("/api/v1/connections"))) == 1


def test_an_unknown_state_is_refused(tenant: Tenant) -> None:
    forged = f"{tenant.api.base_url}{CALLBACK}?code=anything&state=not-a-state-we-issued"

    answer = tenant.api.get(forged, headers=JSON)

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "unknown_state"
    assert ok(tenant.api.get("/api/v1/connections")) == []


def test_booking_connectivity_connects_through_the_extranet(
    tenant: Tenant, sandbox: SandboxServer, sandbox_http: httpx.Client
) -> None:
    hotel = "1000003"  # seeded as not connected to our provider
    status_path = f"/connections-api/properties/{hotel}/status"
    machine = machine_headers(sandbox.base_url)
    assert ok(sandbox_http.get(status_path, headers=machine))["data"]["status"] == "not_connected"

    started = tenant.api.get(
        "/connect/booking", params={"mode": "booking-connectivity", "hotel_id": hotel}
    )
    assert started.status_code == 302, started.text
    extranet_url = started.headers["location"]
    with httpx.Client(timeout=10) as browser:
        page = browser.get(extranet_url)
        assert page.status_code == 200
        assert hotel in page.text
        action, fields = form_fields(page.text)
        assert fields["hotel_id"] == hotel
        back = browser.post(urljoin(extranet_url, action), data={**fields, "decision": "request"})
    assert back.status_code == 302
    callback = back.headers["location"]
    assert urlsplit(callback).path == CALLBACK

    finished = ok(tenant.api.get(callback, headers=JSON))

    assert finished["status"] == "active"
    connection = ok(tenant.api.get(f"/api/v1/connections/{finished['connection_id']}"))
    assert connection["auth_mode"] == "booking-connectivity"
    assert connection["external_account_id"] == hotel
    status = ok(sandbox_http.get(status_path, headers=machine))["data"]
    assert status["status"] == "connected"
    assert status["connected_at"] is not None
    accepts = [
        r for r in sandbox.state.requests if r.path == f"/connections-api/requests/{hotel}/accept"
    ]
    assert [r.method for r in accepts] == ["POST"]
    # The machine account now sees the hotel's catalog through this connection.
    hotels = ok(tenant.api.get(f"/api/v1/connections/{finished['connection_id']}/properties"))
    assert [h["hotel_code"] for h in hotels] == [hotel]
