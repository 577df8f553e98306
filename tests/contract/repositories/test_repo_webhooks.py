"""Contract: webhook subscriptions, events and deliveries (issue 18) on SQLite and PostgreSQL.

Deliveries are claimed oldest event first, only the head of each (subscription, order key)
line; a claimed one is due again only when its lease runs out; a delivered or failed head
lets the next of its line go; on PostgreSQL two workers claiming at once never share one.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from channel_manager.domain.errors import NotFound
from channel_manager.domain.events import EventType
from channel_manager.domain.webhooks import (
    DeliveryState,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

from .repository_builders import at, new_organization


def _subscription(uow_factory, events=(EventType.RESERVATION_CREATED,)) -> WebhookSubscription:
    organization = new_organization()
    subscription = WebhookSubscription(
        id=uuid4(),
        organization_id=organization.id,
        url="https://hooks.example.com/in",
        events=frozenset(events),
        sealed_secret=b"\x00sealed\xff",
        created_at=at(0),
    )
    with uow_factory() as uow:
        uow.organizations.add(organization)
        uow.webhooks.add_subscription(subscription)
        uow.commit()
    return subscription


def _emit(uow_factory, subscription, minute=0, key="reservation:1", kind=None) -> WebhookDelivery:
    event = WebhookEvent(
        id=uuid4(),
        organization_id=subscription.organization_id,
        type=kind or EventType.RESERVATION_CREATED,
        created_at=at(minute),
        data={"reservation_id": "1", "nested": {"n": 1}},
        order_key=key,
    )
    delivery = WebhookDelivery(
        id=uuid4(),
        subscription_id=subscription.id,
        event_id=event.id,
        event_type=event.type,
        order_key=key,
        next_attempt_at=at(minute),
        created_at=at(minute),
        updated_at=at(minute),
    )
    with uow_factory() as uow:
        uow.webhooks.record(event, [delivery])
        uow.commit()
    return delivery


def _claim(
    uow_factory, minute: int, worker: str = "w1", limit: int = 10, per_subscription: int = 10
) -> list[UUID]:
    with uow_factory() as uow:
        jobs = uow.webhooks.claim_due(
            at(minute), worker, at(minute + 1), limit, per_subscription=per_subscription
        )
        uow.commit()
    return [job.delivery.id for job in jobs]


def _settle(uow_factory, delivery_id: UUID, state: DeliveryState) -> None:
    with uow_factory() as uow:
        current = uow.webhooks.get_delivery(delivery_id)
        if state is DeliveryState.DELIVERED:
            settled = current.delivered(at(30), 204)
        else:
            settled = current.refused(at(30), "refused")
        uow.webhooks.update_delivery(settled)
        uow.commit()


def test_a_subscription_round_trips_and_lists_per_organisation(uow_factory):
    subscription = _subscription(
        uow_factory, (EventType.PUSH_FAILED, EventType.RESERVATION_FLAGGED)
    )
    other = _subscription(uow_factory)
    with uow_factory() as uow:
        assert uow.webhooks.get_subscription(subscription.id) == subscription
        assert uow.webhooks.subscriptions(subscription.organization_id) == [subscription]
        assert uow.webhooks.subscriptions(other.organization_id) == [other]
        with pytest.raises(NotFound):
            uow.webhooks.get_subscription(uuid4())


def test_a_claim_carries_the_event_url_and_sealed_secret_and_counts_the_attempt(uow_factory):
    subscription = _subscription(uow_factory)
    delivery = _emit(uow_factory, subscription, 1)
    with uow_factory() as uow:
        assert uow.webhooks.claim_due(at(0), "w1", at(1), 10) == []  # not due yet
        [job] = uow.webhooks.claim_due(at(2), "w1", at(3), 10)
        uow.commit()
    assert job.url == subscription.url
    assert job.sealed_secret == subscription.sealed_secret
    assert job.event.id == delivery.event_id
    assert job.event.data == {"reservation_id": "1", "nested": {"n": 1}}
    assert job.event.order_key == "reservation:1"
    assert (job.delivery.attempts, job.delivery.claimed_by) == (1, "w1")
    with uow_factory() as uow:
        stored = uow.webhooks.get_delivery(delivery.id)
    assert stored == job.delivery
    # Held until the lease runs out, then due again (a dead worker's delivery is resent).
    assert _claim(uow_factory, 2) == []
    assert _claim(uow_factory, 3, "w2") == [delivery.id]


def test_a_later_event_of_the_same_line_waits_for_the_earlier_one(uow_factory):
    subscription = _subscription(uow_factory)
    first = _emit(uow_factory, subscription, 0)
    second = _emit(uow_factory, subscription, 0)  # same instant: emission order decides
    third = _emit(uow_factory, subscription, 0)
    elsewhere = _emit(uow_factory, subscription, 0, key="reservation:2")
    unordered = _emit(uow_factory, subscription, 0, key=None)
    assert _claim(uow_factory, 1) == [first.id, elsewhere.id, unordered.id]
    assert _claim(uow_factory, 1) == []  # the first is being sent: the second waits
    _settle(uow_factory, first.id, DeliveryState.DELIVERED)
    assert _claim(uow_factory, 1) == [second.id]
    # A failed (given up) head does not hold its line for ever.
    _settle(uow_factory, second.id, DeliveryState.FAILED)
    assert _claim(uow_factory, 1) == [third.id]


def test_a_claim_is_fair_a_flooded_subscription_holds_two_slots_at_most(uow_factory):
    flooded = _subscription(uow_factory)
    flood = [_emit(uow_factory, flooded, 0, key=None) for _ in range(30)]
    quiet = _subscription(uow_factory)
    late = _emit(uow_factory, quiet, 0, key=None)  # after the whole flood
    # Each subscription's oldest first, then each one's second, ...: the late one is in.
    assert _claim(uow_factory, 1, limit=2, per_subscription=2) == [flood[0].id, late.id]
    # Those being sent count: the flooded subscription gets one more slot, not two.
    assert _claim(uow_factory, 1, per_subscription=2) == [flood[1].id]
    assert _claim(uow_factory, 1, per_subscription=2) == []
    _settle(uow_factory, flood[0].id, DeliveryState.DELIVERED)
    assert _claim(uow_factory, 1, per_subscription=2) == [flood[2].id]
    # The default is two.
    _settle(uow_factory, flood[1].id, DeliveryState.DELIVERED)
    _settle(uow_factory, flood[2].id, DeliveryState.DELIVERED)
    with uow_factory() as uow:
        assert len(uow.webhooks.claim_due(at(1), "w1", at(2), 50)) == 2
        uow.commit()


def test_the_log_lists_newest_first_and_replay_and_delete(uow_factory):
    subscription = _subscription(uow_factory)
    first = _emit(uow_factory, subscription, 0)
    second = _emit(uow_factory, subscription, 1, key="reservation:2")
    with uow_factory() as uow:
        assert [d.id for d in uow.webhooks.deliveries(subscription.id)] == [second.id, first.id]
        assert [d.id for d in uow.webhooks.deliveries(subscription.id, limit=1)] == [second.id]
        replayed = uow.webhooks.get_delivery(first.id).refused(at(2), "x").replayed(at(3))
        uow.webhooks.update_delivery(replayed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.get_delivery(first.id) == replayed
        uow.webhooks.delete_subscription(subscription.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.subscriptions(subscription.organization_id) == []
        with pytest.raises(NotFound):
            uow.webhooks.get_delivery(first.id)
        with pytest.raises(NotFound):
            uow.webhooks.delete_subscription(subscription.id)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_workers_claiming_at_once_never_share_a_delivery(uow_factory):
    # Three subscriptions, two deliveries each (a claim takes two per subscription at most).
    deliveries = []
    for _ in range(3):
        subscription = _subscription(uow_factory)
        deliveries += [_emit(uow_factory, subscription, 0, key=f"r:{n}") for n in range(2)]
    with uow_factory() as first, uow_factory() as second:
        mine = first.webhooks.claim_due(at(1), "w1", at(2), 3)
        # SKIP LOCKED: the second worker skips the rows the first holds, without waiting.
        theirs = second.webhooks.claim_due(at(1), "w2", at(2), 10)
        first.commit()
        second.commit()
    claimed = [job.delivery.id for job in mine] + [job.delivery.id for job in theirs]
    assert sorted(map(str, claimed)) == sorted(str(d.id) for d in deliveries)
    assert len(set(claimed)) == len(claimed) == 6


def test_purge_deletes_old_settled_deliveries_and_events_none_refers_to(uow_factory):
    subscription = _subscription(uow_factory)
    other = _subscription(uow_factory)
    delivered = _emit(uow_factory, subscription, 0, key="a")
    failed = _emit(uow_factory, subscription, 0, key="b")
    pending = _emit(uow_factory, subscription, 0, key="c")
    _settle(uow_factory, delivered.id, DeliveryState.DELIVERED)  # settled at minute 30
    _settle(uow_factory, failed.id, DeliveryState.FAILED)
    # One event, two subscriptions: one delivery settled, the other still pending.
    event = WebhookEvent(
        id=uuid4(),
        organization_id=subscription.organization_id,
        type=EventType.RESERVATION_CREATED,
        created_at=at(0),
        data={},
    )
    shared = [
        WebhookDelivery(
            id=uuid4(),
            subscription_id=s.id,
            event_id=event.id,
            event_type=event.type,
            next_attempt_at=at(0),
            created_at=at(0),
            updated_at=at(0),
        )
        for s in (subscription, other)
    ]
    with uow_factory() as uow:
        uow.webhooks.record(event, shared)
        uow.commit()
    _settle(uow_factory, shared[0].id, DeliveryState.DELIVERED)
    with uow_factory() as uow:
        assert uow.webhooks.purge(at(30), 100) == 0  # not older than the cut
        # The three settled deliveries and the two events none refers to any more.
        assert uow.webhooks.purge(at(31), 100) == 3 + 2
        assert uow.webhooks.purge(at(31), 100) == 0
        uow.commit()
    with uow_factory() as uow:
        assert [d.id for d in uow.webhooks.deliveries(subscription.id)] == [pending.id]
        assert [d.id for d in uow.webhooks.deliveries(other.id)] == [shared[1].id]
        [job, _] = uow.webhooks.claim_due(at(40), "w1", at(41), 10)
        assert job.event.id == pending.event_id  # its event is still there


def test_the_log_pages_newest_first(uow_factory):
    subscription = _subscription(uow_factory)
    made = [_emit(uow_factory, subscription, 0, key=None) for _ in range(5)]
    newest_first = [d.id for d in reversed(made)]
    with uow_factory() as uow:
        pages = [uow.webhooks.deliveries(subscription.id, 2, offset) for offset in (0, 2, 4)]
    assert [d.id for page in pages for d in page] == newest_first
