"""Channel health (issue 18): the facts about a connection gathered in one unit of work, judged
by :func:`channel_manager.domain.health.assess`, and the worker's periodic check that sends
``connection.unhealthy`` (once per turn to red) and ``reservation.unacknowledged`` (once per
reservation past the threshold) through the event sink.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from uuid import UUID

from channel_manager.application.feed_export import EXPORT_DAYS
from channel_manager.application.scoping import owned_connection
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import NotFound
from channel_manager.domain.events import EventType
from channel_manager.domain.health import (
    ERROR_WINDOW,
    FeedFacts,
    HealthFacts,
    HealthReport,
    HealthStatus,
    HealthThresholds,
    OverbookedUnit,
    assess,
)
from channel_manager.domain.inventory import local_today
from channel_manager.ports.clock import Clock
from channel_manager.ports.events import EventSink
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: Connections evaluated per transaction by the worker's check.
CHECK_BATCH = 50


class ChannelHealth:
    """Reports a connection's health; checks due connections and emits events."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        events: EventSink,
        thresholds: HealthThresholds,
        *,
        every: timedelta = timedelta(seconds=60),
        channel_labels: Mapping[str, str] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._events = events
        self.thresholds = thresholds
        self.every = every
        self._labels = dict(channel_labels or {})
        self._next_check: datetime | None = None

    def report(self, organization_id: UUID, connection_id: UUID) -> HealthReport:
        """The health of one of the organisation's connections (``NotFound`` otherwise)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            facts = self.facts_in(uow, connection, now)
        return assess(facts, now, self.thresholds)

    def reports(self, organization_id: UUID) -> dict[UUID, HealthReport]:
        """Every connection of the organisation's health, by connection id."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            return {
                connection.id: assess(self.facts_in(uow, connection, now), now, self.thresholds)
                for connection in uow.connections.list(organization_id)
            }

    def facts_in(self, uow: UnitOfWork, connection: Connection, now: datetime) -> HealthFacts:
        """What is known about ``connection`` at ``now``, read in ``uow``."""
        record = uow.health.get(connection.id)
        outbox = uow.health.outbox_activity(connection.id, now - ERROR_WINDOW)
        feed = _feed_facts(uow, connection.id)
        label = self._labels.get(connection.channel, connection.channel)
        if feed is not None:
            label = f"the calendar feed {feed.name!r}"
        return HealthFacts(
            connection_id=connection.id,
            channel_label=label,
            status=connection.status,
            error_reason=connection.error_reason,
            poll_failing_since=connection.poll_failing_since,
            poll_error=connection.poll_error,
            last_poll_at=record.last_poll_at,
            last_push_at=outbox.last_delivered_at,
            queued=outbox.queued,
            oldest_queued_at=outbox.oldest_queued_at,
            given_up_pushes=outbox.given_up,
            polls=record.polls.estimate(now),
            pushes=outbox.attempts,
            unacknowledged=tuple(uow.health.unacknowledged(connection.id)),
            feed=feed,
            overbooked=_overbooked(uow, connection.id, now),
        )

    def check_due(self, limit: int = CHECK_BATCH) -> int:
        """The worker's step: at most every :attr:`every`, evaluate the active connections
        not evaluated for that long, remember each status and emit the events due; how many
        connections were evaluated."""
        now = self._clock.now()
        if self._next_check is not None and now < self._next_check:
            return 0
        done = 0
        with self._uow_factory() as uow:
            for connection_id in uow.health.claim_due(now, self.every, limit):
                self._check(uow, uow.connections.get(connection_id), now)
                done += 1
            uow.commit()
        if done < limit:
            # All due ones done: nothing is due before the interval. A full batch means more
            # may be waiting: the next pass goes on at once.
            self._next_check = now + self.every
        return done

    def _check(self, uow: UnitOfWork, connection: Connection, now: datetime) -> None:
        facts = self.facts_in(uow, connection, now)
        report = assess(facts, now, self.thresholds)
        record = uow.health.get(connection.id)
        if report.status is HealthStatus.RED and record.status is not HealthStatus.RED:
            self._events.emit(
                uow,
                connection.organization_id,
                EventType.CONNECTION_UNHEALTHY,
                {
                    "connection_id": str(connection.id),
                    "channel": connection.channel,
                    "status": report.status.value,
                    "reasons": [reason.text for reason in report.reasons],
                    "since": now.isoformat(),
                },
                order_key=f"connection:{connection.id}",
            )
            logger.warning("connection %s turned red: %s", connection.id, report.headline)
        uow.health.put(record.evaluated(report.status, now))
        after = self.thresholds.unacknowledged_after
        due = [
            u for u in facts.unacknowledged if u.notified_at is None and u.is_overdue(now, after)
        ]
        for reservation in due:
            self._events.emit(
                uow,
                connection.organization_id,
                EventType.RESERVATION_UNACKNOWLEDGED,
                {
                    "connection_id": str(connection.id),
                    "channel": connection.channel,
                    "reservation_id": reservation.external_id,
                    "first_seen_at": reservation.first_seen_at.isoformat(),
                    "reason": reservation.reason,
                },
                order_key=f"reservation:{connection.id}:{reservation.external_id}",
            )
        uow.health.mark_notified(connection.id, [u.external_id for u in due], now)


def _feed_facts(uow: UnitOfWork, connection_id: UUID) -> FeedFacts | None:
    try:
        feed = uow.calendar_feeds.get(connection_id)
    except NotFound:
        return None
    return FeedFacts(
        name=feed.name,
        last_fetch_at=feed.last_fetch_at,
        last_success_at=feed.last_success_at,
        last_error=feed.last_error,
        suspect_since=feed.suspect_since,
        suspect_reason=feed.suspect_reason,
    )


def _units_by_property(uow: UnitOfWork, connection_id: UUID) -> dict[UUID, set[UUID]]:
    """The units the connection sells, by property: a feed's unit, or every mapped room
    type's unit."""
    try:
        unit = uow.units.get(uow.calendar_feeds.get(connection_id).unit_id)
    except NotFound:
        pass
    else:
        return {unit.property_id: {unit.id}}
    found: dict[UUID, set[UUID]] = defaultdict(set)
    for mapping in uow.property_mappings.list_by_connection(connection_id):
        for unit_mapping in uow.unit_mappings.list_by_property_mapping(mapping.id):
            found[mapping.internal_property_id].add(unit_mapping.internal_unit_id)
    return found


def _overbooked(uow: UnitOfWork, connection_id: UUID, now: datetime) -> tuple[OverbookedUnit, ...]:
    """The connection's units booked beyond their rooms on a night of the coming
    :data:`EXPORT_DAYS` (the overbooking alerts' span, from each property's today): per
    property, its units and one booked-nights query."""
    found = []
    for property_id, unit_ids in sorted(_units_by_property(uow, connection_id).items()):
        units = [u for u in uow.units.list_by_property(property_id) if u.id in unit_ids]
        first = local_today(now, uow.properties.get(property_id).timezone)
        last = first + timedelta(days=EXPORT_DAYS - 1)
        booked = uow.booked_nights.window([u.id for u in units], first, last)
        for unit in sorted(units, key=lambda u: (u.name, str(u.id))):
            nights = booked.get(unit.id, {})
            over: list[date] = sorted(n for n, rooms in nights.items() if rooms > unit.count)
            if over:
                found.append(
                    OverbookedUnit(
                        unit_name=unit.name, nights=len(over), first_night=over[0].isoformat()
                    )
                )
    return tuple(found)
