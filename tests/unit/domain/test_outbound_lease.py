"""A claim is a lease: an in-flight message whose worker died is claimable again later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from channel_manager.domain.ari_requests import AvailRange, AvailRequest
from channel_manager.domain.errors import InvalidTransition
from channel_manager.domain.sync import CLAIM_LEASE, OutboundMessage, OutboundState, outbound_kind

NOW = datetime(2025, 4, 1, 9, tzinfo=UTC)
PAYLOAD = AvailRequest(
    hotel_code="H1",
    month=date(2025, 4, 1),
    items=(
        AvailRange(
            room_type_code="R1", start=date(2025, 4, 1), end=date(2025, 4, 2), booking_limit=1
        ),
    ),
)


def _pending() -> OutboundMessage:
    return OutboundMessage(
        id=UUID(int=1),
        connection_id=UUID(int=2),
        hotel_code="H1",
        kind=outbound_kind(PAYLOAD),
        payload=PAYLOAD,
        ordering_key="conn-2:H1",
        next_attempt_at=NOW,
        created_at=NOW,
    )


def test_a_claim_holds_the_message_for_the_lease() -> None:
    started = _pending().start_attempt(NOW, "worker-a")

    assert started.next_attempt_at == NOW + CLAIM_LEASE
    assert not started.is_claimable(NOW + CLAIM_LEASE - timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        started.start_attempt(NOW + timedelta(minutes=1), "worker-b")


def test_an_expired_claim_is_taken_over_and_the_lost_attempt_counts() -> None:
    started = _pending().start_attempt(NOW, "worker-a")
    later = NOW + CLAIM_LEASE

    assert started.is_claimable(later)
    taken = started.start_attempt(later, "worker-b")

    assert (taken.state, taken.claimed_by, taken.attempts) == (
        OutboundState.IN_FLIGHT,
        "worker-b",
        2,
    )


def test_delivered_and_failed_messages_are_never_claimable() -> None:
    delivered = _pending().start_attempt(NOW, "w").delivered(NOW, None)
    failed = _pending().start_attempt(NOW, "w").fail_permanently("402")

    far = NOW + timedelta(days=1)
    assert not delivered.is_claimable(far)
    assert not failed.is_claimable(far)
