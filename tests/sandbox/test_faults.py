"""Every fault kind, count and fraction semantics, and the JSON admin endpoint."""

from __future__ import annotations

import time

import httpx
import pytest
from lxml import etree

from booking_sandbox.faults import FaultInjector, UnknownFaultError

from .helpers import OTA, xml

SEARCH_PATH = "/hotels/ota/OTA_HotelSearch"
SEARCH = b'<OTA_HotelSearchRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'


def search(client: httpx.Client, auth: dict[str, str], timeout: float = 10) -> httpx.Response:
    return client.post(SEARCH_PATH, content=SEARCH, headers=auth, timeout=timeout)


def test_latency_delays_then_answers(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "latency", count=1, delay=0.4)

    started = time.monotonic()
    response = search(client, auth)

    assert time.monotonic() - started >= 0.4
    assert response.status_code == 200


def test_timeout_outlasts_the_client_and_the_server_keeps_serving(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "timeout", count=1)

    with pytest.raises(httpx.ReadTimeout):
        search(client, auth, timeout=0.3)

    assert search(client, auth).status_code == 200


def test_5xx_answers_an_ota_error_with_the_status(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "5xx", count=1, status=502)

    response = search(client, auth)

    assert response.status_code == 502
    assert xml(response).find(f"{{{OTA}}}Errors/{{{OTA}}}Error") is not None


def test_429_carries_retry_after(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "429", count=1, retry_after=7)

    response = search(client, auth)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


def test_malformed_body_does_not_parse(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "malformed", count=1)

    response = search(client, auth)

    assert response.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


def test_reset_drops_the_connection(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "reset", count=1)

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        search(client, auth)

    assert search(client, auth).status_code == 200


def test_warning_is_added_to_a_successful_ota_answer(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "warning", count=1)

    root = xml(search(client, auth))

    assert root.find(f"{{{OTA}}}Success") is not None
    assert root.find(f"{{{OTA}}}Warnings/{{{OTA}}}Warning") is not None


def test_count_fires_for_the_next_n_calls_only(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject(SEARCH_PATH, "5xx", count=2)

    statuses = [search(client, auth).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert faults.rules == []


def test_a_rule_without_count_fires_until_cleared(
    client: httpx.Client, auth: dict[str, str], faults: FaultInjector
) -> None:
    faults.inject("/hotels/*", "5xx")

    assert [search(client, auth).status_code for _ in range(3)] == [503, 503, 503]
    faults.clear()
    assert search(client, auth).status_code == 200


def test_fraction_is_reproducible_with_the_seed() -> None:
    def pattern() -> list[bool]:
        injector = FaultInjector(seed=5)
        injector.inject("*", "5xx", fraction=0.5)
        return [injector.take("/hotels/ota/OTA_HotelSearch") is not None for _ in range(40)]

    first = pattern()

    assert first == pattern()
    assert 5 < sum(first) < 35


def test_admin_endpoint_injects_lists_and_clears(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    created = client.post(
        "/_sandbox/faults", json={"endpoint": SEARCH_PATH, "kind": "429", "retry_after": 3}
    )
    assert created.status_code == 201
    assert client.get("/_sandbox/faults").json()["rules"][0]["kind"] == "429"
    assert search(client, auth).status_code == 429

    assert client.delete("/_sandbox/faults").status_code == 204

    assert search(client, auth).status_code == 200
    refused = client.post("/_sandbox/faults", json={"endpoint": "*", "kind": "meteor"})
    assert refused.status_code == 400


def test_unknown_kinds_and_bad_parameters_are_refused() -> None:
    injector = FaultInjector()
    for kwargs in ({"kind": "meteor"}, {"kind": "5xx", "status": 404}, {"kind": "5xx", "count": 0}):
        with pytest.raises(UnknownFaultError):
            injector.inject("*", **kwargs)


def test_token_exchange_can_be_faulted_too(client: httpx.Client, faults: FaultInjector) -> None:
    faults.inject("/token-based-authentication/exchange", "5xx", count=1, status=500)

    response = client.post(
        "/token-based-authentication/exchange",
        json={"client_id": "sandbox-client", "client_secret": "sandbox-secret"},
    )

    assert response.status_code == 500
    assert response.json()["errors"]
