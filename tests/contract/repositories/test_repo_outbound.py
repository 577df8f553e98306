"""Contract: the outbound queue, its payload round trip and per-ordering-key claiming."""

from __future__ import annotations

import random
from datetime import timedelta
from uuid import uuid4

import attrs
import pytest

from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.sync import OutboundState
from channel_manager.ports.errors import DuplicateRecord

from .repository_builders import at, availability_message, rate_message, seed


def _queue(uow_factory, *messages):
    with uow_factory() as uow:
        for message in messages:
            uow.outbound.add(message)
        uow.commit()


def _claim(uow_factory, now, worker="w1", limit=10):
    with uow_factory() as uow:
        claimed = uow.outbound.claim_due(now, worker, limit)
        uow.commit()
    return claimed


def test_messages_round_trip_with_their_payload(uow_factory):
    seeded = seed(uow_factory, active=True)
    avail = availability_message(seeded.connection.id)
    rates = rate_message(seeded.connection.id, created_minute=1)
    _queue(uow_factory, avail, rates)
    with uow_factory() as uow:
        assert uow.outbound.get(avail.id) == avail
        assert uow.outbound.get(rates.id) == rates
        assert uow.outbound.list() == [rates, avail]
        assert uow.outbound.list(state=OutboundState.DELIVERED) == []
        assert uow.outbound.list(connection_id=seeded.connection.id, limit=1, offset=1) == [avail]
        with pytest.raises(DuplicateRecord):
            uow.outbound.add(attrs.evolve(rates, created_at=at(9)))


def test_listing_by_organisation_filters_before_the_page_is_cut(uow_factory):
    """Another organisation's newer pushes neither fill the page nor hide ours (issue 12)."""
    ours = seed(uow_factory, active=True)
    theirs = seed(uow_factory, active=True)
    mine = availability_message(ours.connection.id, created_minute=1)
    flood = [rate_message(theirs.connection.id, created_minute=2 + i) for i in range(30)]
    _queue(uow_factory, mine, *flood)
    with uow_factory() as uow:
        assert uow.outbound.list(organization_id=ours.organization.id, limit=5) == [mine]
        listed = uow.outbound.list(organization_id=theirs.organization.id, limit=100)
        assert listed == sorted(flood, key=lambda m: m.created_at, reverse=True)
        assert uow.outbound.list(organization_id=uuid4()) == []
        assert (
            uow.outbound.list(organization_id=ours.organization.id, state=OutboundState.DELIVERED)
            == []
        )


def test_claim_starts_due_messages_oldest_first(uow_factory):
    seeded = seed(uow_factory, active=True)
    first = availability_message(seeded.connection.id, ordering_key="H1", created_minute=1)
    second = availability_message(seeded.connection.id, ordering_key="H2", created_minute=2)
    future = availability_message(seeded.connection.id, ordering_key="H3", due_minute=60)
    _queue(uow_factory, second, future, first)
    claimed = _claim(uow_factory, at(5), worker="w1")
    assert [m.id for m in claimed] == [first.id, second.id]
    assert all(m.state is OutboundState.IN_FLIGHT and m.claimed_by == "w1" for m in claimed)
    assert all(m.attempts == 1 for m in claimed)
    with uow_factory() as uow:
        assert uow.outbound.get(first.id) == claimed[0]
    assert _claim(uow_factory, at(5), worker="w2") == []


def test_a_later_message_waits_for_an_earlier_one_with_the_same_key(uow_factory):
    seeded = seed(uow_factory, active=True)
    earlier = availability_message(
        seeded.connection.id, ordering_key="H1", created_minute=1, due_minute=30
    )
    later = availability_message(seeded.connection.id, ordering_key="H1", created_minute=2)
    _queue(uow_factory, earlier, later)
    # The earlier one is pending but not due: the later one must not overtake it.
    assert _claim(uow_factory, at(5)) == []
    [head] = _claim(uow_factory, at(30))
    assert head.id == earlier.id
    # While the head is in flight its successor stays blocked.
    assert _claim(uow_factory, at(31)) == []
    with uow_factory() as uow:
        uow.outbound.update(head.delivered(at(32), "RUID abc"))
        uow.commit()
    assert [m.id for m in _claim(uow_factory, at(33))] == [later.id]


def test_one_claim_takes_only_the_head_of_each_key(uow_factory):
    seeded = seed(uow_factory, active=True)
    messages = [
        availability_message(seeded.connection.id, ordering_key="H1", created_minute=n)
        for n in range(3)
    ]
    _queue(uow_factory, *messages)
    assert [m.id for m in _claim(uow_factory, at(10))] == [messages[0].id]


def test_failed_messages_no_longer_block_and_retries_wait_their_turn(uow_factory):
    seeded = seed(uow_factory, active=True)
    doomed = availability_message(seeded.connection.id, ordering_key="H1", created_minute=1)
    after = availability_message(seeded.connection.id, ordering_key="H1", created_minute=2)
    _queue(uow_factory, doomed, after)
    [head] = _claim(uow_factory, at(5))
    retry = head.retry_later(at(6), "HTTP 503", None, RetryPolicy(), random.Random(1))
    with uow_factory() as uow:
        uow.outbound.update(retry)
        uow.commit()
    assert retry.state is OutboundState.PENDING
    assert _claim(uow_factory, at(6)) == []  # the retry is not due yet, and it blocks
    with uow_factory() as uow:
        uow.outbound.update(retry.fail_permanently("gave up"))
        uow.commit()
    assert [m.id for m in _claim(uow_factory, at(6))] == [after.id]


def test_release_returns_a_workers_messages(uow_factory):
    seeded = seed(uow_factory, active=True)
    mine = availability_message(seeded.connection.id, ordering_key="H1")
    theirs = availability_message(seeded.connection.id, ordering_key="H2")
    _queue(uow_factory, mine)
    _claim(uow_factory, at(1), worker="w1")
    _queue(uow_factory, theirs)
    _claim(uow_factory, at(1), worker="w2")
    with uow_factory() as uow:
        assert uow.outbound.release("w1") == 1
        uow.commit()
    with uow_factory() as uow:
        released = uow.outbound.get(mine.id)
        assert released.state is OutboundState.PENDING
        assert released.attempts == 0
        assert released.claimed_by is None
        assert uow.outbound.get(theirs.id).state is OutboundState.IN_FLIGHT


def test_a_rolled_back_claim_leaves_the_message_pending(uow_factory):
    seeded = seed(uow_factory, active=True)
    message = availability_message(seeded.connection.id)
    _queue(uow_factory, message)
    with uow_factory() as uow:
        assert len(uow.outbound.claim_due(at(1), "w1", 5)) == 1
    claimed = _claim(uow_factory, at(1) + timedelta(seconds=1), worker="w2")
    assert [m.claimed_by for m in claimed] == ["w2"]


def test_summary_counts_states_and_dates_the_oldest_open_message(uow_factory):
    seeded = seed(uow_factory, active=True)
    first = availability_message(seeded.connection.id, ordering_key="H1", created_minute=1)
    second = availability_message(seeded.connection.id, ordering_key="H2", created_minute=2)
    third = availability_message(seeded.connection.id, ordering_key="H3", created_minute=3)
    _queue(uow_factory, first, second, third)
    with uow_factory() as uow:
        uow.outbound.update(first.start_attempt(at(5), "w1").fail_permanently("402: closed"))
        uow.outbound.update(second.start_attempt(at(5), "w1"))
        uow.commit()

    with uow_factory() as uow:
        summary = uow.outbound.summary(seeded.connection.id)
        empty = uow.outbound.summary(uuid4())

    assert summary.count(OutboundState.FAILED) == 1
    assert summary.count(OutboundState.IN_FLIGHT) == 1
    assert summary.count(OutboundState.PENDING) == 1
    assert summary.count(OutboundState.DELIVERED) == 0
    assert summary.oldest_open_at == at(2)  # the failed one is not open
    assert empty.counts == {}
    assert empty.oldest_open_at is None


def _set_connection(uow_factory, connection):
    with uow_factory() as uow:
        uow.connections.update(connection)
        uow.commit()


def test_only_an_active_connections_messages_are_claimed(uow_factory):
    """A revoked connection's hotel may be held by another connection now, and one in error
    cannot reach the channel: their queued pushes are never started (issue 12 review)."""
    revoked = seed(uow_factory, active=True)
    failing = seed(uow_factory, active=True)
    healthy = seed(uow_factory, active=True)
    theirs = availability_message(revoked.connection.id, ordering_key="R", created_minute=1)
    broken = availability_message(failing.connection.id, ordering_key="F", created_minute=2)
    ours = availability_message(healthy.connection.id, ordering_key="H", created_minute=3)
    _queue(uow_factory, theirs, broken, ours)
    _set_connection(uow_factory, revoked.connection.revoke(at(4)))
    _set_connection(uow_factory, failing.connection.fail("the channel refused access"))
    assert [m.id for m in _claim(uow_factory, at(5))] == [ours.id]
    assert _claim(uow_factory, at(5)) == []
    with uow_factory() as uow:
        assert uow.outbound.get(theirs.id).state is OutboundState.PENDING
        assert uow.outbound.get(broken.id).state is OutboundState.PENDING


def test_give_up_open_fails_a_connections_open_messages_with_the_reason(uow_factory):
    seeded = seed(uow_factory, active=True)
    other = seed(uow_factory, active=True)
    sent = availability_message(seeded.connection.id, ordering_key="S", created_minute=1)
    flying = availability_message(seeded.connection.id, ordering_key="F", created_minute=2)
    waiting = availability_message(seeded.connection.id, ordering_key="S", created_minute=3)
    elsewhere = availability_message(other.connection.id, ordering_key="E", created_minute=4)
    _queue(uow_factory, sent, flying, waiting, elsewhere)
    with uow_factory() as uow:
        [claimed_sent, claimed_flying, _] = uow.outbound.claim_due(at(5), "w1", 10)
        uow.outbound.update(claimed_sent.delivered(at(5), "ok"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbound.give_up_open(seeded.connection.id, "connection revoked") == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbound.get(sent.id).state is OutboundState.DELIVERED
        for message in (flying, waiting):
            stored = uow.outbound.get(message.id)
            assert stored.state is OutboundState.FAILED
            assert stored.last_error == "connection revoked"
            assert stored.claimed_by is None
        assert uow.outbound.get(elsewhere.id).state is OutboundState.IN_FLIGHT
        assert uow.outbound.give_up_open(seeded.connection.id, "again") == 0
    assert claimed_flying.id == flying.id


def test_give_up_revoked_fails_only_revoked_connections_open_messages(uow_factory):
    """What a revocation from before pushes were given up at once left queued."""
    revoked = seed(uow_factory, active=True)
    failing = seed(uow_factory, active=True)
    left = availability_message(revoked.connection.id, ordering_key="R", created_minute=1)
    waiting = availability_message(failing.connection.id, ordering_key="F", created_minute=2)
    _queue(uow_factory, left, waiting)
    _set_connection(uow_factory, revoked.connection.revoke(at(3)))
    _set_connection(uow_factory, failing.connection.fail("token refresh failed"))
    with uow_factory() as uow:
        assert uow.outbound.give_up_revoked("connection revoked") == 1
        uow.commit()
    with uow_factory() as uow:
        stored = uow.outbound.get(left.id)
        assert (stored.state, stored.last_error) == (OutboundState.FAILED, "connection revoked")
        assert uow.outbound.get(waiting.id).state is OutboundState.PENDING  # may reconnect
        assert uow.outbound.give_up_revoked("connection revoked") == 0
