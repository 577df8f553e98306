"""Channel health end to end (issue 18): the Booking.com sandbox answers every reservation
poll with 503; the worker's polls fail, and the health API says the connection is red and why
(the channel's own status); once the sandbox answers again the connection turns green."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from booking_sandbox.server import SandboxServer

from .flows import Tenant, connect_and_map, ok
from .harness import RunningService
from .inventory import outbound_settled

pytestmark = pytest.mark.e2e

HOTEL = "1000002"
POLL_PATHS = ("/hotels/ota/OTA_HotelResNotif", "/hotels/ota/OTA_HotelResModifyNotif")


@pytest.fixture
def service_settings_extra() -> Mapping[str, str]:
    """Polls failing for a second turn a connection red, checked every 100 ms (the real
    thresholds are minutes: the facts and words are the same)."""
    return {"CM_HEALTH_POLL_RED_AFTER": "1s", "CM_HEALTH_CHECK_INTERVAL": "100ms"}


def health(tenant: Tenant, connection_id: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/health"))
    return body


def test_a_sandbox_answering_503_turns_the_connection_red_with_why(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer
) -> None:
    connection_id = connect_and_map(tenant, HOTEL)
    service.tick_until(lambda: outbound_settled(tenant))
    assert service.tick_until(lambda: health(tenant, connection_id)["last_successful_poll_at"])
    assert health(tenant, connection_id)["status"] == "green"

    for path in POLL_PATHS:
        sandbox.faults.inject(path, "5xx", status=503)
    red = service.tick_until(
        lambda: (body := health(tenant, connection_id))["status"] == "red" and body
    )

    [reason] = [r for r in red["reasons"] if r["code"] == "polls_failing"]
    assert reason["status"] == "red"
    assert reason["text"].startswith("polls failing for ")
    assert "503" in reason["text"]
    assert red["poll_failing_since"] is not None
    assert red["poll_failures"] >= 1
    assert red["last_successful_poll_at"] is not None  # the one before the fault

    sandbox.faults.clear()
    service.tick_until(lambda: health(tenant, connection_id)["poll_failing_since"] is None)
    assert "polls_failing" not in {r["code"] for r in health(tenant, connection_id)["reasons"]}
