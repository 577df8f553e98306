"""Webhook signing and bodies, and a delivery's states (issue 18); the README's verification
snippet accepts what :func:`sign` makes and refuses anything else."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.events import EventType
from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.webhooks import (
    DeliveryState,
    WebhookDelivery,
    WebhookEvent,
    event_body,
    parse_events,
    sign,
    signed_headers,
)
from tests.support.webhooks import readme_verifier

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
EVENT_ID = UUID("00000000-0000-4000-8000-000000000001")
ORG = UUID("00000000-0000-4000-8000-000000000002")


def _event() -> WebhookEvent:
    return WebhookEvent(
        id=EVENT_ID,
        organization_id=ORG,
        type=EventType.RESERVATION_CREATED,
        created_at=NOW,
        data={"reservation_id": "r1", "totals": {"amount_after_tax": "200.00"}, "é": "ü"},
        order_key="reservation:r1",
    )


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("whsec_x", 1_700_000_000, body) == f"v1={expected}"
    assert sign("whsec_y", 1_700_000_000, body) != sign("whsec_x", 1_700_000_000, body)
    assert sign("whsec_x", 1_700_000_001, body) != sign("whsec_x", 1_700_000_000, body)


def test_the_body_is_stable_compact_json_with_the_documented_fields() -> None:
    body = event_body(_event())
    assert body == event_body(_event())  # the same bytes at every attempt
    document = json.loads(body)
    assert set(document) == {"id", "type", "created_at", "organization_id", "data"}
    assert document["id"] == str(EVENT_ID)
    assert document["type"] == "reservation.created"
    assert document["created_at"] == NOW.isoformat()
    assert document["organization_id"] == str(ORG)
    assert document["data"]["é"] == "ü"
    assert b" " not in body


def test_the_readme_snippet_accepts_a_signed_request_and_refuses_tampering() -> None:
    verify = readme_verifier()
    body = event_body(_event())
    timestamp = int(NOW.timestamp())
    headers = signed_headers("whsec_secret", EVENT_ID, timestamp, body)
    now = NOW.timestamp()
    assert headers["Webhook-Id"] == str(EVENT_ID)
    assert verify("whsec_secret", headers, body, now=now)
    assert verify("whsec_secret", headers, body, now=now + 299)
    assert not verify("whsec_secret", headers, body, now=now + 301)  # too old
    assert not verify("whsec_secret", headers, body, now=now - 301)  # from the future
    assert not verify("whsec_other", headers, body, now=now)
    assert not verify("whsec_secret", headers, body + b" ", now=now)
    later = {**headers, "Webhook-Timestamp": str(timestamp + 1)}
    assert not verify("whsec_secret", later, body, now=now)
    assert not verify("whsec_secret", {**headers, "Webhook-Timestamp": "x"}, body, now=now)
    assert not verify("whsec_secret", {}, body, now=now)


def test_event_names_are_checked() -> None:
    assert parse_events(["push.failed", "push.failed"]) == {EventType.PUSH_FAILED}
    for bad in ([], "push.failed", None, ["nope"]):
        with pytest.raises(InvalidValue):
            parse_events(bad)


def _delivery() -> WebhookDelivery:
    return WebhookDelivery(
        id=EVENT_ID,
        subscription_id=ORG,
        event_id=EVENT_ID,
        event_type=EventType.PUSH_FAILED,
        next_attempt_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_delivery_backs_off_then_fails_and_a_replay_starts_again() -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=2))
    rng = random.Random(1)
    delivery = _delivery()
    for attempt in (1, 2):
        delivery = delivery.claimed("w", NOW, NOW + timedelta(minutes=1))
        assert delivery.attempts == attempt
        delivery = delivery.attempt_failed(NOW, 500, "the receiver answered 500", policy, rng)
        assert delivery.state is DeliveryState.PENDING
        assert NOW <= delivery.next_attempt_at <= NOW + policy.ceiling(attempt)
        assert delivery.claimed_by is None
    delivery = delivery.claimed("w", NOW, NOW + timedelta(minutes=1))
    failed = delivery.attempt_failed(NOW, 500, "x" * 1000, policy, rng)
    assert failed.state is DeliveryState.FAILED
    assert failed.last_status == 500
    assert len(failed.last_error or "") < 600
    replayed = failed.replayed(NOW + timedelta(hours=1))
    assert (replayed.state, replayed.attempts) == (DeliveryState.PENDING, 0)
    assert replayed.next_attempt_at == NOW + timedelta(hours=1)
    assert replayed.replayed(NOW) is replayed  # pending: left as it is
    done = replayed.claimed("w", NOW, NOW).delivered(NOW, 200)
    assert (done.state, done.last_status, done.delivered_at) == (DeliveryState.DELIVERED, 200, NOW)
