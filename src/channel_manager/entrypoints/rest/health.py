"""Channel health over HTTP (issue 18): ``GET /api/v1/connections/{id}/health``, the status
(green, amber or red), every reason in words, and the facts they were judged from."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs
from litestar import Controller, get

from channel_manager.application.health import ChannelHealth
from channel_manager.domain.health import HealthReport
from channel_manager.entrypoints.rest.errors import error_responses as errors


@attrs.frozen
class HealthReasonView:
    """One reason the connection is not green."""

    #: ``amber`` or ``red``.
    status: str
    #: Stable: ``polls_failing``, ``unacknowledged_overdue``, ``unacknowledged``,
    #: ``queue_late``, ``pushes_given_up``, ``error_rate``, ``feed_suspect``, ``overbooked``,
    #: ``connection_error``, ``connection_pending``, ``connection_revoked``.
    code: str
    #: What a person reads ("polls failing for 12 min: HTTP 503 from Booking.com").
    text: str


@attrs.frozen
class UnacknowledgedView:
    """A reservation the channel offered that could not be acknowledged yet."""

    reservation_id: str
    first_seen_at: datetime
    reason: str
    notified_at: datetime | None


@attrs.frozen(kw_only=True)
class HealthView:
    """A connection's health at ``evaluated_at``."""

    connection_id: UUID
    #: ``green``, ``amber`` or ``red``: the worst reason's.
    status: str
    reasons: list[HealthReasonView]
    evaluated_at: datetime
    connection_status: str
    last_successful_poll_at: datetime | None
    last_successful_push_at: datetime | None
    #: A calendar feed's last successful fetch (null for other channels).
    last_successful_fetch_at: datetime | None
    poll_failing_since: datetime | None
    poll_error: str | None
    queued_changes: int
    oldest_queued_change_at: datetime | None
    #: Seconds the oldest queued change has waited (null when nothing is queued).
    oldest_queued_change_age_seconds: int | None
    given_up_pushes: int
    #: Over the last hour (polls estimated from hourly counts, pushes from the outbox).
    poll_attempts: int
    poll_failures: int
    push_attempts: int
    push_failures: int
    #: Failed attempts in percent, null with no attempt.
    error_rate_percent: int | None
    unacknowledged: list[UnacknowledgedView]
    feed_suspect_since: datetime | None
    feed_suspect_reason: str | None
    #: Units of this connection booked beyond their rooms: ``name``, ``nights``, ``first_night``.
    overbooked_units: list[dict[str, str | int]]

    @classmethod
    def of(cls, report: HealthReport) -> HealthView:
        """Flatten a report."""
        facts = report.facts
        oldest = facts.oldest_queued_at
        feed = facts.feed
        return cls(
            connection_id=facts.connection_id,
            status=report.status.value,
            reasons=[HealthReasonView(r.status.value, r.code, r.text) for r in report.reasons],
            evaluated_at=report.at,
            connection_status=facts.status.value,
            last_successful_poll_at=facts.last_poll_at,
            last_successful_push_at=facts.last_push_at,
            last_successful_fetch_at=facts.last_fetch_at,
            poll_failing_since=facts.poll_failing_since,
            poll_error=facts.poll_error,
            queued_changes=facts.queued,
            oldest_queued_change_at=oldest,
            oldest_queued_change_age_seconds=(
                None if oldest is None else int((report.at - oldest).total_seconds())
            ),
            given_up_pushes=facts.given_up_pushes,
            poll_attempts=facts.polls.attempts,
            poll_failures=facts.polls.failures,
            push_attempts=facts.pushes.attempts,
            push_failures=facts.pushes.failures,
            error_rate_percent=facts.attempts.percent_failed,
            unacknowledged=[
                UnacknowledgedView(u.external_id, u.first_seen_at, u.reason, u.notified_at)
                for u in facts.unacknowledged
            ],
            feed_suspect_since=None if feed is None else feed.suspect_since,
            feed_suspect_reason=None if feed is None else feed.suspect_reason,
            overbooked_units=[
                {"name": u.unit_name, "nights": u.nights, "first_night": u.first_night}
                for u in facts.overbooked
            ],
        )


#: The operation's description in the OpenAPI document.
HEALTH_DESCRIPTION = (
    "The connection's status (`green`, `amber` or `red`) with every reason in words, worst "
    "first (`reasons[].code` is stable, `reasons[].text` is for people), and the facts they "
    "were judged from: last successful poll, push and (calendar feeds) fetch; the changes "
    "still queued and the age of the oldest; failed attempts of polls and pushes over the last "
    "hour; reservations left unacknowledged at the channel and since when; a feed suspected "
    "empty; units of the connection booked beyond their rooms. Thresholds are the "
    "`CM_HEALTH_*` settings. Another organisation's connection is 404."
)


class HealthController(Controller):
    """A connection's health: what is failing or late, and why."""

    path = "/connections"
    tags = ("connections",)

    @get(
        "/{connection_id:uuid}/health",
        sync_to_thread=True,
        responses=errors(404),
        summary="A connection's health",
        description=HEALTH_DESCRIPTION,
    )
    def connection_health(
        self, organization_id: UUID, connection_id: UUID, channel_health: ChannelHealth
    ) -> HealthView:
        """The connection's status (``green``, ``amber`` or ``red``) with every reason in
        words, worst first, and the facts behind them: last successful poll, push and fetch,
        the oldest queued change, the error rate of the last hour, reservations left
        unacknowledged at the channel, a feed suspected empty, overbooked units. Another
        organisation's connection is 404."""
        return HealthView.of(channel_health.report(organization_id, connection_id))
