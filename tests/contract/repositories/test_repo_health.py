"""Contract: channel health's records (issue 18) on SQLite and PostgreSQL.

A connection's record round-trips (an empty one before anything was recorded); unacknowledged
reservations keep their first-seen time until cleared; due connections are claimed once per
interval; the outbox is summed as health reads it.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.health import (
    Attempts,
    AttemptWindow,
    HealthRecord,
    HealthStatus,
    OutboxActivity,
)
from tests.support.clock import session_offset

from .repository_builders import at, availability_message, seed


def test_a_record_is_empty_until_put_then_round_trips_and_is_replaced(uow_factory):
    seeded = seed(uow_factory, active=True)
    connection_id = seeded.connection.id
    with uow_factory() as uow:
        assert uow.health.get(connection_id) == HealthRecord(connection_id=connection_id)
    record = HealthRecord(
        connection_id=connection_id,
        last_poll_at=at(1),
        polls=AttemptWindow(started_at=at(0), current=Attempts(4, 1), previous=Attempts(9, 2)),
        status=HealthStatus.RED,
        status_since=at(2),
        checked_at=at(3),
    )
    with uow_factory() as uow:
        uow.health.put(record)
        uow.commit()
    with uow_factory() as uow:
        assert uow.health.get(connection_id) == record
        uow.health.put(attrs.evolve(record, status=HealthStatus.GREEN, last_poll_at=at(9)))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.health.get(connection_id)
    assert (stored.status, stored.last_poll_at) == (HealthStatus.GREEN, at(9))


def test_unacknowledged_keep_their_first_sighting_until_cleared(uow_factory):
    connection_id = seed(uow_factory, active=True).connection.id
    with uow_factory() as uow:
        uow.health.note_unacknowledged(connection_id, {"R1": "unknown room", "R2": "x"}, at(0))
        uow.commit()
    with uow_factory() as uow:
        uow.health.note_unacknowledged(connection_id, {"R1": "ack refused", "R3": "y"}, at(5))
        uow.health.mark_notified(connection_id, ["R2"], at(6))
        uow.commit()
    with uow_factory() as uow:
        found = uow.health.unacknowledged(connection_id)
    assert [(u.external_id, u.first_seen_at, u.reason, u.notified_at) for u in found] == [
        ("R1", at(0), "ack refused", None),
        ("R2", at(0), "x", at(6)),
        ("R3", at(5), "y", None),
    ]
    with uow_factory() as uow:
        uow.health.clear_unacknowledged(connection_id, ["R1", "R2", "NOT-THERE"])
        uow.health.clear_unacknowledged(connection_id, [])
        uow.health.note_unacknowledged(connection_id, {}, at(7))
        uow.commit()
    with uow_factory() as uow:
        assert [u.external_id for u in uow.health.unacknowledged(connection_id)] == ["R3"]


def test_active_connections_are_claimed_once_per_interval(uow_factory):
    active = seed(uow_factory, active=True).connection.id
    seed(uow_factory)  # pending: never evaluated by the worker
    every = timedelta(minutes=1)
    with uow_factory() as uow:
        assert uow.health.claim_due(at(0), every, 10) == [active]
        uow.health.put(uow.health.get(active).evaluated(HealthStatus.GREEN, at(0)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.health.claim_due(at(0) + timedelta(seconds=30), every, 10) == []
    with uow_factory() as uow:
        assert uow.health.claim_due(at(1), every, 10) == [active]


def test_the_outbox_is_summed_for_health(uow_factory):
    connection_id = seed(uow_factory, active=True).connection.id
    with uow_factory() as uow:
        assert uow.health.outbox_activity(connection_id, at(0)) == OutboxActivity()
    delivered = (
        availability_message(connection_id, created_minute=10)
        .start_attempt(at(10), "w")
        .delivered(at(11), "RUID")
    )
    given_up = attrs.evolve(
        availability_message(connection_id, created_minute=12, ordering_key="H2"), attempts=3
    ).fail_permanently("refused")
    waiting = attrs.evolve(
        availability_message(connection_id, created_minute=20, ordering_key="H3", due_minute=25),
        attempts=2,
        last_error="HTTP 503",
    )
    old = availability_message(connection_id, created_minute=-600, ordering_key="H4")
    old = old.start_attempt(at(-600), "w").delivered(at(-599), None)
    with uow_factory() as uow:
        for message in (delivered, given_up, waiting, old):
            uow.outbound.add(message)
        uow.commit()
    with uow_factory() as uow:
        activity = uow.health.outbox_activity(connection_id, at(0))
    assert activity == OutboxActivity(
        last_delivered_at=at(11),
        queued=1,
        oldest_queued_at=at(20),
        given_up=1,
        attempts=Attempts(1 + 3 + 2, 3 + 2),
    )


@pytest.mark.postgres
def test_two_workers_never_evaluate_the_same_connection_at_once(postgres_engine):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    connection_id = seed(factory, active=True).connection.id
    every = timedelta(minutes=1)
    with factory() as uow:  # the row exists from now on
        assert uow.health.claim_due(at(0), every, 10) == [connection_id]
        uow.commit()
    with factory() as first, factory() as second:
        assert first.health.claim_due(at(0), every, 10) == [connection_id]
        assert second.health.claim_due(at(0), every, 10) == []  # locked: skipped
        first.health.put(first.health.get(connection_id).evaluated(HealthStatus.RED, at(0)))
        first.commit()
        assert second.health.claim_due(at(0), every, 10) == []  # evaluated meanwhile
