"""Retry policy, the outbound message lifecycle, and sync runs."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.ari_requests import AvailRange, AvailRequest
from channel_manager.domain.errors import InvalidTransition
from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.sync import (
    OutboundKind,
    OutboundMessage,
    OutboundState,
    SyncRun,
    SyncRunKind,
    SyncRunStatus,
    outbound_kind,
)

NOW = datetime(2025, 4, 1, 9, tzinfo=UTC)
POLICY = RetryPolicy(
    base_delay=timedelta(seconds=1), factor=2, max_delay=timedelta(seconds=60), max_attempts=4
)
PAYLOAD = AvailRequest(
    hotel_code="H1",
    month=date(2025, 4, 1),
    items=(
        AvailRange(
            room_type_code="R1", start=date(2025, 4, 1), end=date(2025, 4, 2), booking_limit=1
        ),
    ),
)


def outbound(max_attempts: int = 4) -> OutboundMessage:
    return OutboundMessage(
        id=UUID(int=1),
        connection_id=UUID(int=2),
        hotel_code="H1",
        kind=outbound_kind(PAYLOAD),
        payload=PAYLOAD,
        ordering_key="conn-2:H1",
        max_attempts=max_attempts,
        next_attempt_at=NOW,
        created_at=NOW,
    )


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_full_jitter_stays_within_the_capped_exponential(attempt: int, seed: int) -> None:
    delay = POLICY.delay(attempt, random.Random(seed))
    assert 0 <= delay.total_seconds() <= min(60, 2.0 ** (attempt - 1))


@given(
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=0, max_value=3600),
)
def test_retry_after_is_never_undercut(attempt: int, seed: int, seconds: int) -> None:
    retry_after = timedelta(seconds=seconds)
    assert POLICY.delay(attempt, random.Random(seed), retry_after=retry_after) >= retry_after


def test_delays_are_deterministic_with_a_seeded_random() -> None:
    first = [POLICY.delay(n, random.Random(7)) for n in range(1, 6)]
    second = [POLICY.delay(n, random.Random(7)) for n in range(1, 6)]
    assert first == second
    assert len(set(first)) > 1


def test_ceiling_grows_exponentially_then_caps() -> None:
    assert [POLICY.ceiling(n).total_seconds() for n in (1, 2, 3, 7, 8, 500)] == [
        1,
        2,
        4,
        60,
        60,
        60,
    ]


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=timedelta(0))


def test_happy_path_pending_in_flight_delivered() -> None:
    message = outbound()
    assert message.kind is OutboundKind.AVAILABILITY
    assert message.is_due(NOW)
    started = message.start_attempt(NOW, "worker-a")
    assert (started.state, started.attempts, started.claimed_by) == (
        OutboundState.IN_FLIGHT,
        1,
        "worker-a",
    )
    done = started.delivered(NOW, "RUID abc")
    assert (done.state, done.confirmation, done.delivered_at, done.claimed_by) == (
        OutboundState.DELIVERED,
        "RUID abc",
        NOW,
        None,
    )


def test_retries_are_bounded_then_the_message_fails_visibly() -> None:
    rng = random.Random(3)
    message = outbound(max_attempts=3)
    clock = NOW
    for attempt in range(1, 3):
        message = message.start_attempt(clock, "w").retry_later(
            clock, "HTTP 503", timedelta(seconds=30), POLICY, rng
        )
        assert message.state is OutboundState.PENDING
        assert message.attempts == attempt
        assert message.next_attempt_at >= clock + timedelta(seconds=30)
        assert not message.is_due(clock)
        clock = message.next_attempt_at
    message = message.start_attempt(clock, "w").retry_later(clock, "HTTP 503", None, POLICY, rng)
    assert message.state is OutboundState.FAILED
    assert message.attempts == 3
    assert message.last_error is not None
    assert "gave up after 3 attempts" in message.last_error


def test_permanent_failure_and_replay() -> None:
    failed = outbound().start_attempt(NOW, "w").fail_permanently("402 rate plan not active")
    assert failed.state is OutboundState.FAILED
    with pytest.raises(InvalidTransition):
        failed.start_attempt(NOW, "w")
    later = NOW + timedelta(hours=1)
    replayed = failed.replay(later)
    assert (replayed.state, replayed.attempts, replayed.next_attempt_at) == (
        OutboundState.PENDING,
        0,
        later,
    )


def test_release_refunds_the_attempt() -> None:
    released = outbound().start_attempt(NOW, "w").release()
    assert (released.state, released.attempts, released.claimed_by) == (
        OutboundState.PENDING,
        0,
        None,
    )


@pytest.mark.parametrize(
    "move",
    [
        lambda m: m.delivered(NOW, None),
        lambda m: m.retry_later(NOW, "x", None, POLICY, random.Random(1)),
        lambda m: m.replay(NOW),
        lambda m: m.release(),
    ],
)
def test_pending_messages_only_start(move: object) -> None:
    with pytest.raises(InvalidTransition):
        move(outbound())  # type: ignore[operator]


def test_delivered_is_final() -> None:
    done = outbound().start_attempt(NOW, "w").delivered(NOW, None)
    with pytest.raises(InvalidTransition):
        done.fail_permanently("late")
    with pytest.raises(InvalidTransition):
        done.replay(NOW)


def run() -> SyncRun:
    return SyncRun(id=UUID(int=9), connection_id=UUID(int=2), kind=SyncRunKind.FULL, started_at=NOW)


def test_sync_run_succeeds_without_errors_and_is_partial_with_some() -> None:
    finished = (
        run().count("reservations", 3).count("reservations").finish(NOW, counts={"hotels": 1})
    )
    assert finished.status is SyncRunStatus.SUCCEEDED
    assert finished.counts == {"reservations": 4, "hotels": 1}
    assert finished.finished_at == NOW
    partial = run().record_error("hotel H2: 403").finish(NOW)
    assert partial.status is SyncRunStatus.PARTIAL
    assert partial.errors == ("hotel H2: 403",)


def test_sync_run_fails_and_cannot_finish_twice() -> None:
    failed = run().fail(NOW, "authentication failed")
    assert (failed.status, failed.errors) == (SyncRunStatus.FAILED, ("authentication failed",))
    with pytest.raises(InvalidTransition):
        failed.finish(NOW)
