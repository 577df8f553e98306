"""Channel health (issue 18): the facts gathered about one connection, turned into a status
(green, amber or red) and the reasons a person reads ("polls failing for 12 min: HTTP 503").

Pure: the application gathers :class:`HealthFacts` in one unit of work, :func:`assess` judges
them at a given ``now`` against :class:`HealthThresholds` (settings).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import attrs

from channel_manager.domain.connection import ConnectionStatus

#: The span an error rate covers.
ERROR_WINDOW = timedelta(hours=1)


class HealthStatus(StrEnum):
    """How a connection stands, worst last."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def rank(self) -> int:
        """0 for green, 1 amber, 2 red: the worst reason wins."""
        return _RANKS[self]


_RANKS = {HealthStatus.GREEN: 0, HealthStatus.AMBER: 1, HealthStatus.RED: 2}


@attrs.frozen(kw_only=True)
class HealthThresholds:
    """When a fact turns a connection amber or red (``CM_HEALTH_*`` settings)."""

    #: Polls failing at least this long: red (amber before).
    poll_red_after: timedelta = timedelta(minutes=5)
    #: A reservation unacknowledged at the channel this long: red (Booking.com e-mails the
    #: hotel after 30 minutes), and ``reservation.unacknowledged`` is sent.
    unacknowledged_after: timedelta = timedelta(minutes=30)
    #: The oldest change still queued for the channel this old: amber, then red.
    queue_amber_after: timedelta = timedelta(minutes=5)
    queue_red_after: timedelta = timedelta(minutes=30)
    #: Failed attempts over the last hour, in percent: amber, then red ...
    error_rate_amber: int = 10
    error_rate_red: int = 50
    #: ... once at least this many attempts were made (two failures of three say little).
    min_attempts: int = 5


@attrs.frozen
class Attempts:
    """Attempts made and how many of them failed."""

    attempts: int = 0
    failures: int = 0

    def __add__(self, other: Attempts) -> Attempts:
        return Attempts(self.attempts + other.attempts, self.failures + other.failures)

    @property
    def percent_failed(self) -> int | None:
        """Failed share in whole percent (rounded half up); ``None`` with no attempt."""
        if self.attempts <= 0:
            return None
        return (200 * self.failures + self.attempts) // (2 * self.attempts)


@attrs.frozen(kw_only=True)
class AttemptWindow:
    """A sliding count of attempts over the last hour, kept in two hourly buckets (the
    current one and the one before): the estimate weighs the previous bucket by the share of
    it still inside the hour, so no row per attempt is stored."""

    started_at: datetime | None = None
    current: Attempts = Attempts()
    previous: Attempts = Attempts()

    def record(self, now: datetime, *, failed: bool) -> AttemptWindow:
        """This window with one more attempt at ``now``."""
        window = self._rolled(now)
        current = window.current + Attempts(1, 1 if failed else 0)
        return attrs.evolve(window, current=current)

    def _rolled(self, now: datetime) -> AttemptWindow:
        start = self.started_at
        if start is None or now < start:
            return AttemptWindow(started_at=now)
        buckets = (now - start) // ERROR_WINDOW
        if buckets == 0:
            return self
        new_start = start + buckets * ERROR_WINDOW
        previous = self.current if buckets == 1 else Attempts()
        return AttemptWindow(started_at=new_start, previous=previous)

    def estimate(self, now: datetime) -> Attempts:
        """Attempts and failures of the hour before ``now`` (the previous bucket prorated,
        rounded half up)."""
        if self.started_at is None or now < self.started_at:
            return Attempts()
        window = self._rolled(now)
        assert window.started_at is not None
        elapsed = (now - window.started_at) / ERROR_WINDOW
        share = max(0.0, 1.0 - elapsed)
        return window.current + Attempts(
            int(window.previous.attempts * share + 0.5),
            int(window.previous.failures * share + 0.5),
        )


@attrs.frozen(kw_only=True)
class UnacknowledgedReservation:
    """A reservation the channel offered that we could not acknowledge, since when we first
    saw it so, and why; ``notified_at`` once ``reservation.unacknowledged`` was sent."""

    connection_id: UUID
    external_id: str
    first_seen_at: datetime
    reason: str = ""
    notified_at: datetime | None = None

    def is_overdue(self, now: datetime, after: timedelta) -> bool:
        """True once it has been unacknowledged for ``after`` or longer."""
        return now - self.first_seen_at >= after


@attrs.frozen(kw_only=True)
class HealthRecord:
    """What is kept per connection for health: the last successful poll, the poll attempt
    window, and the status last evaluated (a transition to red is notified once)."""

    connection_id: UUID
    last_poll_at: datetime | None = None
    polls: AttemptWindow = AttemptWindow()
    status: HealthStatus | None = None
    status_since: datetime | None = None
    checked_at: datetime | None = None

    def poll_done(self, now: datetime, *, failed: bool) -> HealthRecord:
        """This record after a poll at ``now``."""
        return attrs.evolve(
            self,
            polls=self.polls.record(now, failed=failed),
            last_poll_at=self.last_poll_at if failed else now,
        )

    def evaluated(self, status: HealthStatus, now: datetime) -> HealthRecord:
        """This record with ``status`` evaluated at ``now`` (its start kept while it lasts)."""
        since = self.status_since if status is self.status else now
        return attrs.evolve(self, status=status, status_since=since, checked_at=now)


@attrs.frozen(kw_only=True)
class FeedFacts:
    """A calendar (iCal) feed's own figures."""

    name: str
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    suspect_since: datetime | None = None
    suspect_reason: str | None = None


@attrs.frozen(kw_only=True)
class OverbookedUnit:
    """A unit of the connection booked beyond its rooms: on how many nights, from when."""

    unit_name: str
    nights: int
    first_night: str


@attrs.frozen(kw_only=True)
class HealthFacts:
    """Everything :func:`assess` judges about one connection."""

    connection_id: UUID
    #: The channel as people call it ("Booking.com", "the calendar feed").
    channel_label: str
    status: ConnectionStatus
    error_reason: str | None = None
    poll_failing_since: datetime | None = None
    poll_error: str | None = None
    last_poll_at: datetime | None = None
    last_push_at: datetime | None = None
    queued: int = 0
    oldest_queued_at: datetime | None = None
    given_up_pushes: int = 0
    polls: Attempts = Attempts()
    pushes: Attempts = Attempts()
    unacknowledged: tuple[UnacknowledgedReservation, ...] = ()
    feed: FeedFacts | None = None
    overbooked: tuple[OverbookedUnit, ...] = ()

    @property
    def attempts(self) -> Attempts:
        """Polls and pushes together (the error rate's base)."""
        return self.polls + self.pushes

    @property
    def last_fetch_at(self) -> datetime | None:
        """A feed's last successful fetch (``None`` for a channel without a feed)."""
        return None if self.feed is None else self.feed.last_success_at


@attrs.frozen
class HealthReason:
    """One reason a connection is not green: its weight, a stable code and the words."""

    status: HealthStatus
    code: str
    text: str


@attrs.frozen(kw_only=True)
class HealthReport:
    """The verdict on one connection at ``at``: the worst reason's status, every reason
    (worst first), and the facts it was made from."""

    status: HealthStatus
    reasons: tuple[HealthReason, ...]
    facts: HealthFacts
    at: datetime

    @property
    def headline(self) -> str:
        """The worst reason's words, or that all is well."""
        return self.reasons[0].text if self.reasons else "all good"


def describe_duration(span: timedelta) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``2 days``: the way a card says how long."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def assess(facts: HealthFacts, now: datetime, thresholds: HealthThresholds) -> HealthReport:
    """Judge ``facts`` at ``now``: every reason found, the worst one's status overall."""
    reasons = [
        *_lifecycle(facts),
        *_polls(facts, now, thresholds),
        *_unacknowledged(facts, now, thresholds),
        *_queue(facts, now, thresholds),
        *_error_rate(facts, thresholds),
        *_feed(facts, now),
        *_overbookings(facts),
    ]
    reasons.sort(key=lambda r: -r.status.rank)  # stable: same weight keeps the order above
    status = reasons[0].status if reasons else HealthStatus.GREEN
    return HealthReport(status=status, reasons=tuple(reasons), facts=facts, at=now)


def _lifecycle(facts: HealthFacts) -> list[HealthReason]:
    if facts.status is ConnectionStatus.ERROR:
        why = facts.error_reason or "no reason recorded"
        return [HealthReason(HealthStatus.RED, "connection_error", f"connection broken: {why}")]
    if facts.status is ConnectionStatus.PENDING:
        text = f"waiting for {facts.channel_label} to confirm the connection"
        return [HealthReason(HealthStatus.AMBER, "connection_pending", text)]
    if facts.status is ConnectionStatus.REVOKED:
        text = "disconnected: nothing is synced any more"
        return [HealthReason(HealthStatus.AMBER, "connection_revoked", text)]
    return []


def _polls(facts: HealthFacts, now: datetime, thresholds: HealthThresholds) -> list[HealthReason]:
    since = facts.poll_failing_since
    if since is None or facts.status is not ConnectionStatus.ACTIVE:
        return []
    noun = "feed fetches" if facts.feed is not None else "polls"
    span = now - since
    status = HealthStatus.RED if span >= thresholds.poll_red_after else HealthStatus.AMBER
    error = facts.poll_error or "unknown error"
    text = f"{noun} failing for {describe_duration(span)}: {error}"
    return [HealthReason(status, "polls_failing", text)]


def _unacknowledged(
    facts: HealthFacts, now: datetime, thresholds: HealthThresholds
) -> list[HealthReason]:
    after = thresholds.unacknowledged_after
    overdue = [u for u in facts.unacknowledged if u.is_overdue(now, after)]
    recent = len(facts.unacknowledged) - len(overdue)
    reasons = []
    if overdue:
        text = (
            f"{_plural(len(overdue), 'reservation')} unacknowledged for over "
            f"{describe_duration(after)} ({facts.channel_label} alerts the property)"
        )
        reasons.append(HealthReason(HealthStatus.RED, "unacknowledged_overdue", text))
    if recent:
        text = f"{_plural(recent, 'reservation')} not yet acknowledged at {facts.channel_label}"
        reasons.append(HealthReason(HealthStatus.AMBER, "unacknowledged", text))
    return reasons


def _queue(facts: HealthFacts, now: datetime, thresholds: HealthThresholds) -> list[HealthReason]:
    reasons = []
    oldest = facts.oldest_queued_at
    if oldest is not None and now - oldest >= thresholds.queue_amber_after:
        age = now - oldest
        status = HealthStatus.RED if age >= thresholds.queue_red_after else HealthStatus.AMBER
        text = (
            f"oldest queued change waiting for {describe_duration(age)} "
            f"({_plural(facts.queued, 'change')} queued)"
        )
        reasons.append(HealthReason(status, "queue_late", text))
    if facts.given_up_pushes:
        text = f"{_plural(facts.given_up_pushes, 'change')} given up after retries: not sent"
        reasons.append(HealthReason(HealthStatus.AMBER, "pushes_given_up", text))
    return reasons


def _error_rate(facts: HealthFacts, thresholds: HealthThresholds) -> list[HealthReason]:
    total = facts.attempts
    percent = total.percent_failed
    if percent is None or total.attempts < thresholds.min_attempts:
        return []
    if percent >= thresholds.error_rate_red:
        status = HealthStatus.RED
    elif percent >= thresholds.error_rate_amber:
        status = HealthStatus.AMBER
    else:
        return []
    text = (
        f"{percent}% of {_plural(total.attempts, 'attempt')} failed in the last hour "
        f"({facts.polls.failures} of {facts.polls.attempts} polls, "
        f"{facts.pushes.failures} of {facts.pushes.attempts} pushes)"
    )
    return [HealthReason(status, "error_rate", text)]


def _feed(facts: HealthFacts, now: datetime) -> list[HealthReason]:
    feed = facts.feed
    if feed is None or feed.suspect_since is None:
        return []
    text = (
        f"feed suspected empty for {describe_duration(now - feed.suspect_since)}: "
        f"{feed.suspect_reason or 'it lost most of its events'} (the last good one is kept)"
    )
    return [HealthReason(HealthStatus.AMBER, "feed_suspect", text)]


def _overbookings(facts: HealthFacts) -> list[HealthReason]:
    if not facts.overbooked:
        return []
    units = ", ".join(
        f"{u.unit_name} ({_plural(u.nights, 'night')} from {u.first_night})"
        for u in facts.overbooked
    )
    text = f"overbooked: {units}"
    return [HealthReason(HealthStatus.AMBER, "overbooked", text)]


@attrs.frozen(kw_only=True)
class OutboxActivity:
    """A connection's outbound queue as health reads it: the last delivery, what is still
    queued (and since when), what was given up, and the push attempts of the last hour."""

    last_delivered_at: datetime | None = None
    queued: int = 0
    oldest_queued_at: datetime | None = None
    given_up: int = 0
    attempts: Attempts = Attempts()
