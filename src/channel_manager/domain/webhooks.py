"""Webhooks (issue 18): subscriptions, the events recorded for them, each delivery's state, and
how a delivery is signed.

A delivery is a POST of :func:`event_body` with three headers (:func:`signed_headers`):
``Webhook-Id`` (the event id: the receiver deduplicates on it, delivery being at least once),
``Webhook-Timestamp`` (unix seconds) and ``Webhook-Signature: v1=<hex>``, the hex
HMAC-SHA256 of ``f"{timestamp}.{body}"`` under the subscription's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.events import EventType
from channel_manager.domain.retry import RetryPolicy

#: The signature scheme's version, the prefix of ``Webhook-Signature``.
SIGNATURE_VERSION = "v1"
#: Headers of a delivery.
ID_HEADER = "Webhook-Id"
TIMESTAMP_HEADER = "Webhook-Timestamp"
SIGNATURE_HEADER = "Webhook-Signature"
#: The longest error text kept for a delivery.
MAX_ERROR = 500


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(secret: str, event_id: UUID, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery attempt of ``body``."""
    return {
        "Content-Type": "application/json",
        ID_HEADER: str(event_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def parse_events(names: object) -> frozenset[EventType]:
    """The event types a subscription asks for: a non-empty list of known names, or
    ``InvalidValue`` naming the first unknown one."""
    if not isinstance(names, list | tuple | set | frozenset) or not names:
        raise InvalidValue("events must be a non-empty list of event types")
    chosen: set[EventType] = set()
    for name in names:
        try:
            chosen.add(EventType(name))
        except ValueError:
            known = ", ".join(sorted(e.value for e in EventType))
            raise InvalidValue(f"unknown event type {name!r} (known: {known})") from None
    return frozenset(chosen)


@attrs.frozen(kw_only=True)
class WebhookSubscription:
    """Where an organisation wants some of its events POSTed. ``sealed_secret`` is vault
    output: the secret itself is shown once, when the subscription is made."""

    id: UUID
    organization_id: UUID
    url: str
    events: frozenset[EventType]
    sealed_secret: bytes = attrs.field(repr=False)
    created_at: datetime

    def wants(self, event: EventType) -> bool:
        """True when this subscription receives ``event``."""
        return event in self.events


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """Something that happened, recorded in the transaction that made it happen."""

    id: UUID
    organization_id: UUID
    type: EventType
    created_at: datetime
    data: Mapping[str, Any]
    #: Events sharing it (``reservation:<id>``) reach each subscriber in emission order.
    order_key: str | None = None


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body of ``event`` as delivered (compact, keys sorted: the same bytes at every
    attempt, so the signature of a replay covers the same body)."""
    document = {
        "id": str(event.id),
        "type": event.type.value,
        "created_at": event.created_at.isoformat(),
        "organization_id": str(event.organization_id),
        "data": event.data,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()


class DeliveryState(StrEnum):
    """Where a delivery stands: pending (due, in backoff or being sent), delivered (a 2xx),
    failed (attempts used up; replay queues it again)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """One event for one subscription."""

    id: UUID
    subscription_id: UUID
    event_id: UUID
    event_type: EventType
    order_key: str | None = None
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    #: Who holds the delivery while sending it (``None``: nobody).
    claimed_by: str | None = None

    def claimed(self, worker_id: str, now: datetime, lease_until: datetime) -> WebhookDelivery:
        """Taken by ``worker_id`` for one attempt; due again at ``lease_until`` should the
        worker die before recording the outcome (at least once)."""
        return attrs.evolve(
            self,
            attempts=self.attempts + 1,
            claimed_by=worker_id,
            next_attempt_at=lease_until,
            updated_at=now,
        )

    def delivered(self, now: datetime, status: int) -> WebhookDelivery:
        """The receiver answered 2xx."""
        return attrs.evolve(
            self,
            state=DeliveryState.DELIVERED,
            delivered_at=now,
            last_status=status,
            last_error=None,
            claimed_by=None,
            updated_at=now,
        )

    def attempt_failed(
        self,
        now: datetime,
        status: int | None,
        error: str,
        policy: RetryPolicy,
        rng: random.Random,
    ) -> WebhookDelivery:
        """Not delivered: back off (``policy``), or failed once its attempts are used up."""
        error = error[:MAX_ERROR]
        if self.attempts >= policy.max_attempts:
            return attrs.evolve(
                self,
                state=DeliveryState.FAILED,
                last_status=status,
                last_error=f"{error} (gave up after {self.attempts} attempts)",
                claimed_by=None,
                updated_at=now,
            )
        return attrs.evolve(
            self,
            next_attempt_at=now + policy.delay(self.attempts, rng),
            last_status=status,
            last_error=error,
            claimed_by=None,
            updated_at=now,
        )

    def refused(self, now: datetime, error: str) -> WebhookDelivery:
        """Given up at once (the address is not allowed any more, say)."""
        return attrs.evolve(
            self,
            state=DeliveryState.FAILED,
            last_status=None,
            last_error=error[:MAX_ERROR],
            claimed_by=None,
            updated_at=now,
        )

    def replayed(self, now: datetime) -> WebhookDelivery:
        """Queued again from scratch (same event, same id); a pending one is left as it is."""
        if self.state is DeliveryState.PENDING:
            return self
        return attrs.evolve(
            self,
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_by=None,
            updated_at=now,
        )


@attrs.frozen(kw_only=True)
class DeliveryJob:
    """A claimed delivery with what sending it needs."""

    delivery: WebhookDelivery
    event: WebhookEvent
    url: str
    sealed_secret: bytes = attrs.field(repr=False)
