"""Signed webhooks end to end (issue 18): a Booking.com booking made in the sandbox reaches a
local webhook receiver as ``reservation.created``, its cancellation as
``reservation.cancelled``, in that order; the receiver checks every request with the exact
verification code the README documents (signature and timestamp tolerance).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from booking_sandbox.server import SandboxServer
from tests.support.clock import shifted_now
from tests.support.webhooks import Received, WebhookReceiver, readme_verifier

from .flows import Tenant, connect_and_map, ok
from .harness import RunningService
from .inventory import our_reservations, outbound_settled, pending_queue_messages

pytestmark = pytest.mark.e2e

HOTEL = "1000001"
EVENTS = ["reservation.created", "reservation.modified", "reservation.cancelled"]


@pytest.fixture
def service_settings_extra() -> Mapping[str, str]:
    """The receiver listens on loopback: the operator allows that network for webhooks."""
    return {"CM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}


class Secret:
    """The signing secret, known once the subscription is made (the receiver starts first)."""

    value = ""


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, type[Secret]]]:
    verify = readme_verifier()

    def check(headers: Any, body: bytes) -> bool:
        return bool(verify(Secret.value, headers, body, now=shifted_now().timestamp()))

    with WebhookReceiver(verify=check) as running:
        yield running, Secret


def test_a_booking_and_its_cancellation_reach_the_receiver_signed_and_in_order(
    service: RunningService,
    tenant: Tenant,
    sandbox: SandboxServer,
    sandbox_http: httpx.Client,
    receiver: tuple[WebhookReceiver, type[Secret]],
) -> None:
    hooks, secret = receiver
    connection_id = connect_and_map(tenant, HOTEL)
    service.tick_until(
        lambda: pending_queue_messages(sandbox.state, HOTEL) == [] and outbound_settled(tenant)
    )
    made = ok(tenant.api.post("/api/v1/webhooks", json={"url": hooks.url, "events": EVENTS}), 201)
    secret.value = made["secret"]
    assert made["secret"] not in tenant.api.get("/api/v1/webhooks").text

    def generate(body: dict[str, str]) -> dict[str, Any]:
        ok(sandbox_http.post("/_sandbox/clock", json={"seconds": 60}))  # a later timestamp
        return dict(ok(sandbox_http.post("/_sandbox/reservations/generate", json=body), 201))

    def about(external_id: str) -> list[Received]:
        return [r for r in hooks.received if r.json()["data"]["external_id"] == external_id]

    booking_id = generate({"kind": "new", "hotel_code": HOTEL})["reservation"]["id"]
    service.tick_until(lambda: about(booking_id))
    generate({"kind": "cancel", "reservation_id": booking_id})
    service.tick_until(lambda: len(about(booking_id)) >= 2)

    received = about(booking_id)
    assert [r.json()["type"] for r in received] == [
        "reservation.created",
        "reservation.cancelled",
    ]
    assert all(r.verified for r in received), [r.headers for r in received]
    [ours] = [r for r in our_reservations(tenant) if r["external_id"] == booking_id]
    for request in received:
        body = request.json()
        assert request.headers["Webhook-Id"] == body["id"]
        assert body["organization_id"] == tenant.organization_id
        assert body["data"]["reservation_id"] == ours["id"]
        assert body["data"]["connection_id"] == connection_id
        # No guest data in a webhook: read the reservation through the API.
        for guest in ours["guests"]:
            assert guest["surname"] not in request.body.decode()
    assert received[1].json()["data"]["status"] == "cancelled"
    # A signature under another secret, or an old timestamp, is refused by the same code.
    verify = readme_verifier()
    first = received[0]
    assert not verify("whsec_wrong", first.headers, first.body, now=shifted_now().timestamp())
    late = shifted_now().timestamp() + 3600
    assert not verify(secret.value, first.headers, first.body, now=late)
    # The delivery log says the same.
    log = ok(tenant.api.get(f"/api/v1/webhooks/{made['id']}/deliveries"))
    ids = {r.json()["id"] for r in received}
    mine = [d for d in log if d["event_id"] in ids]
    assert [d["event_type"] for d in mine] == ["reservation.cancelled", "reservation.created"]
    assert {d["state"] for d in mine} == {"delivered"}
