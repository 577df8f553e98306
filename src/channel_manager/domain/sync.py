"""Sync runs (what a sweep did) and outbound messages (the ARI outbox and its lifecycle)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import attrs

from channel_manager.domain.ari_requests import AriRequest, AvailRequest
from channel_manager.domain.errors import InvalidTransition
from channel_manager.domain.retry import RetryPolicy


class SyncRunKind(StrEnum):
    """What a sync run covers."""

    FULL = "full"
    POLL = "poll"


class SyncRunStatus(StrEnum):
    """How a sync run went; ``partial`` means some items failed and are listed in ``errors``."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class SyncRun:
    """One sync of one connection: when, how it went, what it counted, what failed."""

    id: UUID
    connection_id: UUID
    kind: SyncRunKind
    status: SyncRunStatus = SyncRunStatus.RUNNING
    started_at: datetime
    finished_at: datetime | None = None
    counts: Mapping[str, int] = attrs.field(factory=dict, hash=False)
    errors: tuple[str, ...] = ()

    @property
    def is_finished(self) -> bool:
        """True once the run has a final status."""
        return self.status is not SyncRunStatus.RUNNING

    def count(self, name: str, increment: int = 1) -> SyncRun:
        """Add ``increment`` to the counter ``name`` (for example "reservations")."""
        counts = dict(self.counts)
        counts[name] = counts.get(name, 0) + increment
        return attrs.evolve(self, counts=counts)

    def record_error(self, error: str) -> SyncRun:
        """Remember a failure of one item; the run goes on."""
        return attrs.evolve(self, errors=(*self.errors, error))

    def finish(
        self,
        now: datetime,
        *,
        counts: Mapping[str, int] | None = None,
        errors: tuple[str, ...] = (),
        status: SyncRunStatus | None = None,
    ) -> SyncRun:
        """Close the run. Without an explicit ``status`` it is ``succeeded`` when nothing
        failed, ``partial`` when some items failed.
        """
        if self.is_finished:
            raise InvalidTransition("sync run", self.status.value, "finished")
        all_errors = (*self.errors, *errors)
        if status is None:
            status = SyncRunStatus.PARTIAL if all_errors else SyncRunStatus.SUCCEEDED
        merged = dict(self.counts)
        merged.update(counts or {})
        return attrs.evolve(self, status=status, finished_at=now, counts=merged, errors=all_errors)

    def fail(self, now: datetime, error: str) -> SyncRun:
        """Close the run as ``failed`` because of ``error`` (the whole run could not go on)."""
        return self.finish(now, errors=(error,), status=SyncRunStatus.FAILED)


class OutboundState(StrEnum):
    """Lifecycle of an outbox row."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    FAILED = "failed"


class OutboundKind(StrEnum):
    """Which OTA message an outbox row becomes."""

    AVAILABILITY = "availability"
    RATES = "rates"


#: How long a claim holds an in-flight message. A worker that dies mid-send (killed, machine
#: lost) never releases its messages, and an in-flight message blocks every later change of its
#: hotel; after the lease another worker takes it over. Far longer than one push can take.
CLAIM_LEASE = timedelta(minutes=10)


def outbound_kind(payload: AriRequest) -> OutboundKind:
    """The kind of outbound message that carries ``payload``."""
    return OutboundKind.AVAILABILITY if isinstance(payload, AvailRequest) else OutboundKind.RATES


@attrs.frozen(kw_only=True)
class OutboundMessage:
    """One ARI request waiting to be (or having been) delivered to a channel.

    ``ordering_key`` (usually connection + hotel) keeps per-hotel order: a later change is
    never delivered before an earlier one with the same key. The same change may be queued twice
    on purpose (availability 2, then 1, then 2 again must all go out in order), so messages carry
    no content key to deduplicate on.
    """

    id: UUID
    connection_id: UUID
    hotel_code: str
    kind: OutboundKind
    payload: AriRequest
    ordering_key: str
    attempts: int = 0
    max_attempts: int = 8
    next_attempt_at: datetime
    last_error: str | None = None
    state: OutboundState = OutboundState.PENDING
    created_at: datetime
    delivered_at: datetime | None = None
    confirmation: str | None = None
    claimed_by: str | None = None

    def _require(self, allowed: frozenset[OutboundState], target: OutboundState) -> None:
        if self.state not in allowed:
            raise InvalidTransition("outbound message", self.state.value, target.value)

    def is_due(self, now: datetime) -> bool:
        """True when pending and its next attempt time has come."""
        return self.state is OutboundState.PENDING and self.next_attempt_at <= now

    def is_claimable(self, now: datetime) -> bool:
        """True when a worker may start it now: due and pending, or in flight under a claim
        whose lease has run out (its worker died without releasing it)."""
        open_state = self.state in (OutboundState.PENDING, OutboundState.IN_FLIGHT)
        return open_state and self.next_attempt_at <= now

    def start_attempt(
        self, now: datetime, worker: str, lease: timedelta = CLAIM_LEASE
    ) -> OutboundMessage:
        """Claim for ``worker`` for ``lease`` and count the attempt (pending -> in_flight).

        While in flight ``next_attempt_at`` is the end of the lease; an expired claim may be
        taken over, and the lost attempt counts because the channel may have received it
        (ARI messages are absolute sets, so sending again is safe).
        """
        if self.state is OutboundState.IN_FLIGHT and not self.is_claimable(now):
            raise InvalidTransition("outbound message", self.state.value, "in_flight")
        self._require(
            frozenset({OutboundState.PENDING, OutboundState.IN_FLIGHT}), OutboundState.IN_FLIGHT
        )
        return attrs.evolve(
            self,
            state=OutboundState.IN_FLIGHT,
            attempts=self.attempts + 1,
            claimed_by=worker,
            next_attempt_at=max(now, self.next_attempt_at) + lease,
        )

    def delivered(self, now: datetime, confirmation: str | None) -> OutboundMessage:
        """The channel accepted it; ``confirmation`` holds its RUID and any warnings."""
        self._require(frozenset({OutboundState.IN_FLIGHT}), OutboundState.DELIVERED)
        return attrs.evolve(
            self,
            state=OutboundState.DELIVERED,
            delivered_at=now,
            confirmation=confirmation,
            claimed_by=None,
        )

    def retry_later(
        self,
        now: datetime,
        error: str,
        retry_after: timedelta | None,
        policy: RetryPolicy,
        rng: random.Random,
    ) -> OutboundMessage:
        """A retryable failure: back off and go pending again, or fail once attempts are
        used up. ``retry_after`` (the channel's Retry-After) is a lower bound on the wait.
        """
        self._require(frozenset({OutboundState.IN_FLIGHT}), OutboundState.PENDING)
        limit = min(self.max_attempts, policy.max_attempts)
        if self.attempts >= limit:
            return attrs.evolve(
                self,
                state=OutboundState.FAILED,
                last_error=f"{error} (gave up after {self.attempts} attempts)",
                claimed_by=None,
            )
        wait = policy.delay(self.attempts, rng, retry_after=retry_after)
        return attrs.evolve(
            self,
            state=OutboundState.PENDING,
            last_error=error,
            next_attempt_at=now + wait,
            claimed_by=None,
        )

    def fail_permanently(self, error: str) -> OutboundMessage:
        """The channel rejected it for good (or an operator gave up): visible, replayable."""
        self._require(
            frozenset({OutboundState.PENDING, OutboundState.IN_FLIGHT}), OutboundState.FAILED
        )
        return attrs.evolve(self, state=OutboundState.FAILED, last_error=error, claimed_by=None)

    def release(self) -> OutboundMessage:
        """Give an in-flight message back unsent (its worker stopped); the attempt is
        refunded because the channel never answered it.
        """
        self._require(frozenset({OutboundState.IN_FLIGHT}), OutboundState.PENDING)
        return attrs.evolve(
            self,
            state=OutboundState.PENDING,
            attempts=max(0, self.attempts - 1),
            claimed_by=None,
        )

    def put_back(self, now: datetime) -> OutboundMessage:
        """Return an in-flight message unsent and due at ``now``, its attempt refunded: its
        connection was out of request budget when its turn came (issue 18), so it waits
        for its turn again instead of failing."""
        self._require(frozenset({OutboundState.IN_FLIGHT}), OutboundState.PENDING)
        return attrs.evolve(
            self,
            state=OutboundState.PENDING,
            attempts=max(0, self.attempts - 1),
            claimed_by=None,
            next_attempt_at=now,
        )

    def replay(self, now: datetime) -> OutboundMessage:
        """Send a failed message again from scratch (failed -> pending, attempts reset)."""
        self._require(frozenset({OutboundState.FAILED}), OutboundState.PENDING)
        return attrs.evolve(
            self,
            state=OutboundState.PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_by=None,
        )


@attrs.frozen(kw_only=True)
class OutboxSummary:
    """How one connection's outbox stands: messages per state and the oldest open one."""

    counts: Mapping[OutboundState, int] = attrs.field(factory=dict, hash=False)
    oldest_open_at: datetime | None = None

    def count(self, state: OutboundState) -> int:
        """Messages in ``state`` (0 when none)."""
        return self.counts.get(state, 0)
