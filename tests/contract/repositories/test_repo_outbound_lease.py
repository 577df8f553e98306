"""Contract: a message left in flight by a worker that died is claimed again after the lease,
and it keeps blocking later messages of its hotel until then (per-hotel order)."""

from __future__ import annotations

from channel_manager.domain.sync import CLAIM_LEASE, OutboundState

from .repository_builders import at, availability_message, seed


def _claim(uow_factory, now, worker):
    with uow_factory() as uow:
        claimed = uow.outbound.claim_due(now, worker, 10)
        uow.commit()
    return claimed


def test_an_abandoned_claim_is_taken_over_after_the_lease(uow_factory):
    seeded = seed(uow_factory, active=True)
    head = availability_message(seeded.connection.id, ordering_key="H1", created_minute=0)
    later = availability_message(seeded.connection.id, ordering_key="H1", created_minute=1)
    with uow_factory() as uow:
        uow.outbound.add(head)
        uow.outbound.add(later)
        uow.commit()
    [claimed] = _claim(uow_factory, at(2), "dead-worker")
    assert claimed.id == head.id

    # The worker died without releasing: within the lease nothing moves.
    assert _claim(uow_factory, at(2) + CLAIM_LEASE / 2, "w2") == []

    [retaken] = _claim(uow_factory, at(2) + CLAIM_LEASE, "w2")
    assert (retaken.id, retaken.claimed_by, retaken.attempts) == (head.id, "w2", 2)
    assert retaken.state is OutboundState.IN_FLIGHT
    with uow_factory() as uow:
        assert uow.outbound.get(head.id) == retaken
