"""Webhook subscriptions, events and deliveries (issue 18).

:meth:`SqlAlchemyWebhookRepository.claim_due` reads the due head of each (subscription, order
key) line with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already
makes the claim the only writer): a delivery waits while an earlier one of its line is still
pending (in backoff or being sent), so a receiver gets a reservation's events in order. A
claim is fair: at most :data:`CLAIM_PER_SUBSCRIPTION` deliveries of a subscription are in
flight at once, and a claim takes each subscription's first before any one's second
(``ROW_NUMBER() OVER (PARTITION BY subscription_id)``, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.adapters.sqlalchemy.tables.webhooks import (
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)
from channel_manager.domain.errors import NotFound
from channel_manager.domain.events import EventType
from channel_manager.domain.webhooks import (
    DeliveryJob,
    DeliveryState,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

#: At most this many deliveries of one subscription are in flight at once (claimed and not
#: yet settled, all workers together): a slow receiver holds no more than this many slots.
CLAIM_PER_SUBSCRIPTION = 2

_ = tables  # the package registers every table on the shared metadata


def subscription_to_row(subscription: WebhookSubscription) -> Row:
    """Columns of ``webhook_subscriptions``."""
    return {
        "id": subscription.id,
        "organization_id": subscription.organization_id,
        "url": subscription.url,
        "events": " ".join(sorted(e.value for e in subscription.events)),
        "sealed_secret": subscription.sealed_secret,
        "created_at": subscription.created_at,
    }


def subscription_from_row(row: sa.RowMapping) -> WebhookSubscription:
    """A subscription from its row."""
    return WebhookSubscription(
        id=row["id"],
        organization_id=row["organization_id"],
        url=row["url"],
        events=frozenset(EventType(name) for name in row["events"].split()),
        sealed_secret=bytes(row["sealed_secret"]),
        created_at=row["created_at"],
    )


def delivery_to_row(delivery: WebhookDelivery) -> Row:
    """Columns of ``webhook_deliveries`` (but ``event_seq``, set once at insert)."""
    return {
        "id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type.value,
        "order_key": delivery.order_key,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
        "delivered_at": delivery.delivered_at,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "claimed_by": delivery.claimed_by,
    }


def delivery_from_row(row: sa.RowMapping) -> WebhookDelivery:
    """A delivery from its row."""
    return WebhookDelivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        event_id=row["event_id"],
        event_type=EventType(row["event_type"]),
        order_key=row["order_key"],
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        delivered_at=row["delivered_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        claimed_by=row["claimed_by"],
    )


def event_from_row(row: sa.RowMapping) -> WebhookEvent:
    """An event from its row."""
    return WebhookEvent(
        id=row["id"],
        organization_id=row["organization_id"],
        type=EventType(row["type"]),
        created_at=row["created_at"],
        data=row["data"],
        order_key=row["order_key"],
    )


class SqlAlchemyWebhookRepository:
    """``webhook_subscriptions``, ``webhook_events`` and ``webhook_deliveries``."""

    def __init__(self, connection: sa.Connection, queued: Callable[[], None] | None = None) -> None:
        self._connection = connection
        self._queued = queued
        self._subscriptions = TableAccess(connection, webhook_subscriptions, "webhook subscription")
        self._deliveries = TableAccess(connection, webhook_deliveries, "webhook delivery")

    # -- subscriptions ------------------------------------------------------------------------

    def add_subscription(self, subscription: WebhookSubscription) -> None:
        """Insert a new subscription."""
        self._subscriptions.insert(subscription_to_row(subscription), subscription.id)

    def get_subscription(self, id: UUID) -> WebhookSubscription:
        """The subscription; NotFound when unknown."""
        return self._subscriptions.one(subscription_from_row, id)

    def subscriptions(self, organization_id: UUID) -> builtins.list[WebhookSubscription]:
        """The organisation's subscriptions, oldest first."""
        table = webhook_subscriptions
        return self._subscriptions.many(
            subscription_from_row,
            table.c.organization_id == organization_id,
            order_by=(table.c.created_at, table.c.id),
        )

    def delete_subscription(self, id: UUID) -> None:
        """Forget a subscription and its deliveries; NotFound when unknown."""
        self._connection.execute(
            webhook_deliveries.delete().where(webhook_deliveries.c.subscription_id == id)
        )
        if not self._subscriptions.delete(id):
            raise NotFound("webhook subscription", id)

    def every_subscription(self) -> builtins.list[WebhookSubscription]:
        """Every organisation's subscriptions."""
        table = webhook_subscriptions
        return self._subscriptions.many(
            subscription_from_row, order_by=(table.c.created_at, table.c.id)
        )

    def update_subscription(self, subscription: WebhookSubscription) -> None:
        """Overwrite a subscription; NotFound when it is gone."""
        self._subscriptions.update(subscription_to_row(subscription))

    # -- events and deliveries ------------------------------------------------------------------

    def record(self, event: WebhookEvent, deliveries: Sequence[WebhookDelivery]) -> None:
        """Store ``event`` and its deliveries."""
        result = self._connection.execute(
            webhook_events.insert().values(
                id=event.id,
                organization_id=event.organization_id,
                type=event.type.value,
                created_at=event.created_at,
                data=dict(event.data),
                order_key=event.order_key,
            )
        )
        seq = result.inserted_primary_key[0] if result.inserted_primary_key else None
        if deliveries:
            self._connection.execute(
                webhook_deliveries.insert(),
                [{**delivery_to_row(d), "event_seq": seq} for d in deliveries],
            )
            if self._queued is not None:
                self._queued()

    def get_delivery(self, id: UUID) -> WebhookDelivery:
        """The delivery; NotFound when unknown."""
        return self._deliveries.one(delivery_from_row, id)

    def deliveries(
        self, subscription_id: UUID, limit: int = 100, offset: int = 0
    ) -> builtins.list[WebhookDelivery]:
        """The subscription's delivery log, newest event first, paged."""
        table = webhook_deliveries
        return self._deliveries.many(
            delivery_from_row,
            table.c.subscription_id == subscription_id,
            order_by=(table.c.event_seq.desc(), table.c.id),
            limit=limit,
            offset=offset,
        )

    def purge(self, before: datetime, limit: int) -> int:
        """Delete old settled deliveries, then old events none refers to; how many rows."""
        table = webhook_deliveries
        settled = list(
            self._connection.execute(
                sa.select(table.c.id)
                .where(
                    table.c.state.in_((DeliveryState.DELIVERED.value, DeliveryState.FAILED.value)),
                    table.c.updated_at < before,
                )
                .limit(limit)
            ).scalars()
        )
        if settled:
            self._connection.execute(table.delete().where(table.c.id.in_(settled)))
        events = webhook_events
        unreferenced = list(
            self._connection.execute(
                sa.select(events.c.seq)
                .where(
                    events.c.created_at < before,
                    ~sa.exists().where(table.c.event_seq == events.c.seq),
                )
                .order_by(events.c.seq)
                .limit(limit)
            ).scalars()
        )
        if unreferenced:
            self._connection.execute(events.delete().where(events.c.seq.in_(unreferenced)))
        return len(settled) + len(unreferenced)

    def update_delivery(self, delivery: WebhookDelivery) -> None:
        """Overwrite a delivery; NotFound when it is gone."""
        self._deliveries.update(delivery_to_row(delivery))

    def claim_due(
        self,
        now: datetime,
        worker_id: str,
        lease_until: datetime,
        limit: int,
        *,
        per_subscription: int = CLAIM_PER_SUBSCRIPTION,
    ) -> builtins.list[DeliveryJob]:
        """The due heads of their lines, claimed for ``worker_id``: at most
        ``per_subscription`` in flight per subscription (those still being sent count), taken
        round-robin across subscriptions (each one's first, then each one's second, ...) so
        a flooded subscription cannot fill a claim."""
        table = webhook_deliveries
        candidate = table.alias("candidate")
        earlier = table.alias("earlier")
        blocked_by_earlier = sa.exists().where(
            earlier.c.subscription_id == candidate.c.subscription_id,
            earlier.c.order_key == candidate.c.order_key,
            earlier.c.state == DeliveryState.PENDING.value,
            earlier.c.event_seq < candidate.c.event_seq,
        )
        in_flight = sa.and_(candidate.c.claimed_by.is_not(None), candidate.c.next_attempt_at > now)
        ranked = (
            sa.select(
                candidate.c.id,
                sa.func.row_number()
                .over(
                    partition_by=candidate.c.subscription_id,
                    order_by=(sa.case((in_flight, 0), else_=1), candidate.c.event_seq),
                )
                .label("claim_rank"),
            )
            .where(
                candidate.c.state == DeliveryState.PENDING.value,
                sa.or_(candidate.c.next_attempt_at <= now, in_flight),
                ~blocked_by_earlier,
            )
            .subquery("ranked")
        )
        statement = (
            sa.select(table)
            .join(ranked, ranked.c.id == table.c.id)
            .where(
                table.c.state == DeliveryState.PENDING.value,
                table.c.next_attempt_at <= now,
                ranked.c.claim_rank <= per_subscription,
            )
            .order_by(ranked.c.claim_rank, table.c.event_seq, table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=table)
        )
        rows = list(self._connection.execute(statement).mappings())
        if not rows:
            return []
        claimed = [delivery_from_row(row).claimed(worker_id, now, lease_until) for row in rows]
        for delivery in claimed:
            self._connection.execute(
                table.update()
                .where(table.c.id == delivery.id)
                .values(
                    attempts=delivery.attempts,
                    claimed_by=delivery.claimed_by,
                    next_attempt_at=delivery.next_attempt_at,
                    updated_at=delivery.updated_at,
                )
            )
        events = {
            row["seq"]: event_from_row(row)
            for row in self._connection.execute(
                sa.select(webhook_events).where(
                    webhook_events.c.seq.in_({row["event_seq"] for row in rows})
                )
            ).mappings()
        }
        subscriptions = {
            s.id: s
            for s in self._subscriptions.many(
                subscription_from_row,
                webhook_subscriptions.c.id.in_({row["subscription_id"] for row in rows}),
            )
        }
        return [
            DeliveryJob(
                delivery=delivery,
                event=events[row["event_seq"]],
                url=subscriptions[delivery.subscription_id].url,
                sealed_secret=subscriptions[delivery.subscription_id].sealed_secret,
            )
            for row, delivery in zip(rows, claimed, strict=True)
        ]
