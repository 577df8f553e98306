"""Contract (issue 18): what the outbox lets a newer change merge into, and the claim's
per-connection cap and budget skips."""

from __future__ import annotations

import random
from datetime import timedelta

from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.sync import OutboundKind

from .repository_builders import DAY0, at, availability_message, new_connection, rate_message, seed


def _queue(uow_factory, *messages):
    with uow_factory() as uow:
        for message in messages:
            uow.outbound.add(message)
        uow.commit()


def _mergeable(uow_factory, ordering_key="H1", kind=OutboundKind.AVAILABILITY, month=DAY0):
    with uow_factory() as uow:
        return uow.outbound.lock_mergeable(ordering_key, kind, month)


def _claim(uow_factory, now, worker="w1", limit=10, **options):
    with uow_factory() as uow:
        claimed = uow.outbound.claim_due(now, worker, limit, **options)
        uow.commit()
    return claimed


def test_the_newest_pending_message_of_the_key_kind_and_month_is_merged_into(uow_factory):
    seeded = seed(uow_factory, active=True)
    older = availability_message(seeded.connection.id, created_minute=1)
    newest = availability_message(seeded.connection.id, created_minute=2)
    other_key = availability_message(seeded.connection.id, ordering_key="H2", created_minute=3)
    rates = rate_message(seeded.connection.id, created_minute=4)
    _queue(uow_factory, older, newest, other_key, rates)
    assert _mergeable(uow_factory) == newest
    assert _mergeable(uow_factory, "H2") == other_key
    assert _mergeable(uow_factory, "H1/rates", OutboundKind.RATES) == rates
    # Another kind, month or key: nothing to merge into.
    assert _mergeable(uow_factory, "H1/rates") is None
    assert _mergeable(uow_factory, month=(DAY0 + timedelta(days=40)).replace(day=1)) is None
    assert _mergeable(uow_factory, "H3") is None


def test_a_message_in_flight_is_never_merged_into_nor_an_older_one_behind_it(uow_factory):
    seeded = seed(uow_factory, active=True)
    message = availability_message(seeded.connection.id, created_minute=1)
    _queue(uow_factory, message)
    [claimed] = _claim(uow_factory, at(5))
    assert _mergeable(uow_factory) is None
    # Back to pending after a retryable failure (unclaimed): merged into again.
    retried = claimed.retry_later(at(6), "503", None, RetryPolicy(), random.Random(1))
    with uow_factory() as uow:
        uow.outbound.update(retried)
        uow.commit()
    assert _mergeable(uow_factory) == retried


def test_a_newer_in_flight_or_failed_message_stops_merging_into_an_older_pending_one(
    uow_factory,
):
    seeded = seed(uow_factory, active=True)
    older = availability_message(seeded.connection.id, created_minute=1)
    newer = availability_message(seeded.connection.id, created_minute=2)
    _queue(uow_factory, older, newer)
    with uow_factory() as uow:
        uow.outbound.update(newer.fail_permanently("refused"))
        uow.commit()
    # A replay of the failed one would go after the older one: merging into the older
    # one would let the replay overtake the merged values.
    assert _mergeable(uow_factory) is None
    with uow_factory() as uow:
        uow.outbound.update(newer.start_attempt(at(3), "w1"))  # in flight instead
        uow.commit()
    assert _mergeable(uow_factory) is None


def test_delivered_messages_are_never_merged_into(uow_factory):
    seeded = seed(uow_factory, active=True)
    message = availability_message(seeded.connection.id, created_minute=1)
    _queue(uow_factory, message)
    [claimed] = _claim(uow_factory, at(5))
    with uow_factory() as uow:
        uow.outbound.update(claimed.delivered(at(6), "ok"))
        uow.commit()
    assert _mergeable(uow_factory) is None


def test_a_claim_takes_at_most_so_many_of_one_connection(uow_factory):
    flooded = seed(uow_factory, active=True)
    quiet = seed(uow_factory, active=True)
    flood = [
        availability_message(flooded.connection.id, ordering_key=f"H{n}", created_minute=n)
        for n in range(1, 6)
    ]
    late = availability_message(quiet.connection.id, ordering_key="Q1", created_minute=9)
    _queue(uow_factory, *flood, late)
    claimed = _claim(uow_factory, at(10), limit=3, per_connection=1)
    assert [m.id for m in claimed] == [flood[0].id, late.id]
    claimed = _claim(uow_factory, at(10), limit=10, per_connection=2)
    assert [m.id for m in claimed] == [flood[1].id, flood[2].id]


def test_a_claim_skips_connections_and_channels_out_of_budget(uow_factory):
    first = seed(uow_factory, active=True)
    second = seed(uow_factory, active=True)
    mine = availability_message(first.connection.id, ordering_key="A", created_minute=1)
    theirs = availability_message(second.connection.id, ordering_key="B", created_minute=2)
    _queue(uow_factory, mine, theirs)
    assert [m.id for m in _claim(uow_factory, at(10), skip_connections={first.connection.id})] == [
        theirs.id
    ]
    assert _claim(uow_factory, at(10), skip_channels={first.connection.channel}) == []
    assert [m.id for m in _claim(uow_factory, at(10), skip_channels={"elsewhere"})] == [mine.id]


def test_an_unknown_connection_is_not_claimed_for(uow_factory):
    seeded = seed(uow_factory, active=True)
    pending = new_connection(seeded.organization.id, 1)
    with uow_factory() as uow:
        uow.connections.add(pending)
        uow.commit()
    _queue(uow_factory, availability_message(pending.id, ordering_key="P"))
    assert _claim(uow_factory, at(10), per_connection=1) == []
