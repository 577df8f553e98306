"""Push mode: the sandbox POSTs OTA_HotelResNotifRQ with Basic auth and retries until Success."""

from __future__ import annotations

import base64

import httpx
from lxml import etree

from booking_sandbox.state import SandboxState
from tests.support.waiting import wait_until

from .receiver import ERRORS, OTA, PushReceiver


def set_target(client: httpx.Client, receiver: PushReceiver) -> None:
    response = client.post(
        "/_sandbox/push-target",
        json={"url": receiver.url, "username": "push-user", "password": "push-pass"},
    )
    assert response.status_code == 200


def test_push_delivers_with_basic_auth_and_res_status(
    client: httpx.Client, state: SandboxState
) -> None:
    with PushReceiver() as receiver:
        set_target(client, receiver)
        reservation_id = next(iter(state.reservations))

        response = client.post(
            "/_sandbox/push", json={"kind": "cancel", "reservation_id": reservation_id}
        )

        assert response.status_code == 200
        assert response.json()["attempt"]["outcome"] == "delivered"
        authorization, body = receiver.received[0]
        assert authorization == "Basic " + base64.b64encode(b"push-user:push-pass").decode()
        root = etree.fromstring(body)
        assert root.tag == f"{{{OTA}}}OTA_HotelResNotifRQ"
        assert root.get("ResStatus") == "Cancel"
        ids = root.xpath("//o:HotelReservationID/@ResID_Value", namespaces={"o": OTA})
        assert ids == [reservation_id]


def test_push_retries_with_backoff_until_success(client: httpx.Client) -> None:
    with PushReceiver([(503, "busy"), (200, "<not-success/>")]) as receiver:
        set_target(client, receiver)

        first = client.post("/_sandbox/push", json={"kind": "new"}).json()

        assert first["attempt"]["outcome"] == "retry"
        assert first["attempt"]["status_code"] == 503
        wait_until(lambda: len(client.get("/_sandbox/push-log").json()["attempts"]) == 3, timeout=5)
        attempts = client.get("/_sandbox/push-log").json()["attempts"]
        assert [a["outcome"] for a in attempts] == ["retry", "retry", "delivered"]
        assert [a["attempt"] for a in attempts] == [1, 2, 3]
        assert len(receiver.received) == 3
        assert etree.fromstring(receiver.received[0][1]).get("ResStatus") == "Commit"


def test_a_rejection_with_errors_is_not_retried(client: httpx.Client, state: SandboxState) -> None:
    # After the rejected push, one the receiver turns away once (503): that one is retried
    # after the first backoff, and a retry of the rejected push would have been due before it.
    with PushReceiver([(400, ERRORS), (503, "busy")]) as receiver:
        set_target(client, receiver)

        first = client.post("/_sandbox/push", json={"kind": "modify"}).json()["attempt"]
        later = client.post("/_sandbox/push", json={"kind": "modify"}).json()["attempt"]

        assert (first["outcome"], later["outcome"]) == ("rejected", "retry")
        wait_until(lambda: len(state.push_log) >= 3, timeout=5, what="the later push retried")
        assert [(a["delivery_id"], a["attempt"], a["outcome"]) for a in state.push_log] == [
            (first["delivery_id"], 1, "rejected"),
            (later["delivery_id"], 1, "retry"),
            (later["delivery_id"], 2, "delivered"),
        ]
        assert len(receiver.received) == 3


def test_generate_pushes_when_a_target_is_set(client: httpx.Client) -> None:
    with PushReceiver() as receiver:
        set_target(client, receiver)

        made = client.post("/_sandbox/reservations/generate", json={"kind": "new"}).json()

        assert made["push"]["outcome"] == "delivered"
        assert made["reservation"]["id"].encode() in receiver.received[0][1]


def test_push_without_a_target_is_409(client: httpx.Client) -> None:
    assert client.post("/_sandbox/push", json={"kind": "new"}).status_code == 409
