"""Webhooks (issue 18): subscriptions, the outbox services record events in, and the
dispatcher that delivers them, signed, in order per order key, at least once.

:class:`WebhookOutbox` is the :class:`~channel_manager.ports.events.EventSink`: ``emit`` writes
the event and one delivery per subscription of the organisation that wants its type, in the
caller's unit of work (so an event exists exactly when what it reports was committed; with no
subscriber, nothing is written). :class:`WebhookDispatcher` claims due deliveries (the head of
each (subscription, order key) line), POSTs them with :func:`signed_headers` and records the
outcome: 2xx delivered, anything else backs off under the retry policy until its attempts are
used up (failed, visible in the delivery log, replayable with the same event id).
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import random
import secrets
import threading
import weakref
from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from channel_manager.domain.errors import (
    InvalidValue,
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.domain.events import EventType
from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.webhooks import (
    DeliveryJob,
    DeliveryState,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    event_body,
    parse_events,
    signed_headers,
)
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.events import JsonValue
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory
from channel_manager.ports.vault import CredentialVault, Secret
from channel_manager.ports.webhooks import WebhookTransport

logger = logging.getLogger(__name__)

#: The prefix of a signing secret (so a leaked one is recognisable in a secret scanner).
SECRET_PREFIX = "whsec_"  # noqa: S105 -- a prefix, not a secret
#: The longest URL taken.
MAX_URL = 2048
#: How long a claimed delivery is held before another worker may send it again.
DEFAULT_LEASE = timedelta(seconds=60)
#: Settled deliveries (and events none waits for) are kept this long (``CM_WEBHOOK_RETENTION``).
DEFAULT_RETENTION = timedelta(days=30)
#: How often the retention purge runs, and the rows it deletes per transaction.
PURGE_EVERY = timedelta(hours=1)
PURGE_BATCH = 1000
#: Subscriptions one organisation may hold (``CM_WEBHOOK_MAX_SUBSCRIPTIONS``).
DEFAULT_MAX_SUBSCRIPTIONS = 20
#: While some of its slots are free, the dispatcher claims again this often (a delivery
#: recorded by another process is not signalled to this one).
REFILL_WAIT = timedelta(milliseconds=250)


def seal_context(subscription_id: UUID) -> str:
    """The vault context binding a sealed secret to its subscription."""
    return f"webhook:{subscription_id}"


@attrs.frozen(kw_only=True)
class WebhookView:
    """A subscription as its owner sees it: never the secret."""

    id: UUID
    url: str
    events: tuple[EventType, ...]
    created_at: datetime

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> WebhookView:
        """The view of ``subscription``."""
        return cls(
            id=subscription.id,
            url=subscription.url,
            events=tuple(sorted(subscription.events)),
            created_at=subscription.created_at,
        )


@attrs.frozen(kw_only=True)
class CreatedWebhook:
    """A new subscription and its signing secret: shown this once."""

    webhook: WebhookView
    secret: Secret


class WebhookOutbox:
    """The event sink of webhooks: events and their deliveries, in the caller's unit of work.

    An organisation's subscriptions are read once per unit of work (a batch of a hundred
    reservations emits a hundred events): a subscription made while a unit of work is open is
    seen from its next one.
    """

    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self._clock = clock
        self._ids = ids
        self._read: weakref.WeakKeyDictionary[UnitOfWork, dict[UUID, list[WebhookSubscription]]]
        self._read = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _subscriptions(self, uow: UnitOfWork, organization_id: UUID) -> list[WebhookSubscription]:
        with self._lock:
            known = self._read.setdefault(uow, {})
        found = known.get(organization_id)
        if found is None:
            found = known[organization_id] = uow.webhooks.subscriptions(organization_id)
        return found

    def wants(self, uow: UnitOfWork, organization_id: UUID, event: EventType) -> bool:
        """Whether a subscription of the organisation wants ``event`` (read once per unit of
        work)."""
        return any(s.wants(event) for s in self._subscriptions(uow, organization_id))

    def emit(
        self,
        uow: UnitOfWork,
        organization_id: UUID,
        event: EventType,
        data: Mapping[str, JsonValue],
        *,
        order_key: str | None = None,
    ) -> None:
        """Record ``event`` for every subscription of the organisation that wants it."""
        wanting = [s for s in self._subscriptions(uow, organization_id) if s.wants(event)]
        if not wanting:
            return
        now = self._clock.now()
        recorded = WebhookEvent(
            id=self._ids.new_id(),
            organization_id=organization_id,
            type=event,
            created_at=now,
            data=dict(data),
            order_key=order_key,
        )
        uow.webhooks.record(
            recorded,
            [
                WebhookDelivery(
                    id=self._ids.new_id(),
                    subscription_id=subscription.id,
                    event_id=recorded.id,
                    event_type=event,
                    order_key=order_key,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
                for subscription in wanting
            ],
        )


class WebhookService:
    """Subscribe, list, unsubscribe; the delivery log and replay. Every id is checked
    against the caller's organisation (another's answers as unknown)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        transport: WebhookTransport,
        vault: CredentialVault,
        clock: Clock,
        ids: IdGenerator,
        *,
        max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS,
    ) -> None:
        self._uow_factory = uow_factory
        self._transport = transport
        self._vault = vault
        self._clock = clock
        self._ids = ids
        self._max_subscriptions = max_subscriptions

    async def create(self, organization_id: UUID, url: str, events: object) -> CreatedWebhook:
        """Subscribe ``url`` to ``events``; the answer holds the signing secret, once."""
        chosen = parse_events(events)
        if len(url) > MAX_URL:
            raise InvalidValue(f"the webhook URL is longer than {MAX_URL} characters")
        checked = await self._transport.check(url)
        return await asyncio.to_thread(self._store, organization_id, checked, chosen)

    def _store(
        self, organization_id: UUID, url: str, events: frozenset[EventType]
    ) -> CreatedWebhook:
        secret = Secret(SECRET_PREFIX + secrets.token_urlsafe(32))
        subscription_id = self._ids.new_id()
        subscription = WebhookSubscription(
            id=subscription_id,
            organization_id=organization_id,
            url=url,
            events=events,
            sealed_secret=self._vault.seal(secret, seal_context(subscription_id)),
            created_at=self._clock.now(),
        )
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            if len(uow.webhooks.subscriptions(organization_id)) >= self._max_subscriptions:
                raise InvalidValue(
                    f"this organisation already has {self._max_subscriptions} webhooks, the"
                    " most allowed (CM_WEBHOOK_MAX_SUBSCRIPTIONS); delete one first"
                )
            uow.webhooks.add_subscription(subscription)
            uow.commit()
        logger.info("webhook %s subscribed for organisation %s", subscription.id, organization_id)
        return CreatedWebhook(webhook=WebhookView.of(subscription), secret=secret)

    def rotate_keys(self) -> int:
        """Seal every subscription's secret again under the vault's newest key (``keys
        rotate``); how many changed. One transaction: a secret that cannot be opened stops it."""
        rotated = 0
        with self._uow_factory() as uow:
            for subscription in uow.webhooks.every_subscription():
                if self._vault.needs_rotation(subscription.sealed_secret):
                    sealed = self._vault.rotate(
                        subscription.sealed_secret, seal_context(subscription.id)
                    )
                    uow.webhooks.update_subscription(
                        attrs.evolve(subscription, sealed_secret=sealed)
                    )
                    rotated += 1
            uow.commit()
        return rotated

    def list(self, organization_id: UUID) -> list[WebhookView]:
        """The organisation's subscriptions, oldest first."""
        with self._uow_factory() as uow:
            return [WebhookView.of(s) for s in uow.webhooks.subscriptions(organization_id)]

    def delete(self, organization_id: UUID, webhook_id: UUID) -> None:
        """Unsubscribe (its pending deliveries and log go too)."""
        with self._uow_factory() as uow:
            _owned(uow, organization_id, webhook_id)
            uow.webhooks.delete_subscription(webhook_id)
            uow.commit()

    def deliveries(
        self, organization_id: UUID, webhook_id: UUID, limit: int = 100, offset: int = 0
    ) -> builtins.list[WebhookDelivery]:
        """The subscription's delivery log, newest event first, paged."""
        with self._uow_factory() as uow:
            _owned(uow, organization_id, webhook_id)
            return uow.webhooks.deliveries(webhook_id, limit, offset)

    def replay(self, organization_id: UUID, webhook_id: UUID, delivery_id: UUID) -> WebhookDelivery:
        """Queue a delivery again now, with the same event id (a pending one is left as is)."""
        with self._uow_factory() as uow:
            _owned(uow, organization_id, webhook_id)
            try:
                delivery = uow.webhooks.get_delivery(delivery_id)
            except NotFound:
                raise NotFound("webhook delivery", delivery_id) from None
            if delivery.subscription_id != webhook_id:
                raise NotFound("webhook delivery", delivery_id)
            replayed = delivery.replayed(self._clock.now())
            if replayed is not delivery:
                uow.webhooks.update_delivery(replayed)
                uow.commit()
        return replayed


def _owned(uow: UnitOfWork, organization_id: UUID, webhook_id: UUID) -> WebhookSubscription:
    """The organisation's subscription; one answer whether unknown or another's."""
    try:
        subscription = uow.webhooks.get_subscription(webhook_id)
    except NotFound:
        raise NotFound("webhook", webhook_id) from None
    if subscription.organization_id != organization_id:
        raise NotFound("webhook", webhook_id)
    return subscription


class WebhookDispatcher:
    """Claims due deliveries and sends each once per claim, signed."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        transport: WebhookTransport,
        vault: CredentialVault,
        clock: Clock,
        policy: RetryPolicy,
        rng: random.Random | None = None,
        *,
        lease: timedelta = DEFAULT_LEASE,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self._uow_factory = uow_factory
        self._transport = transport
        self._vault = vault
        self._clock = clock
        self._policy = policy
        self._rng = rng or random.SystemRandom()
        self._lease = lease
        self._retention = retention
        self._next_purge: datetime | None = None

    async def _purge_if_due(self) -> None:
        """The retention purge, when due, from the delivery loop (which may not return for
        a long time under steady traffic); a failure is logged, never stops deliveries."""
        if self._next_purge is not None and self._clock.now() < self._next_purge:
            return
        try:
            await asyncio.to_thread(self.purge_old)
        except Exception:
            logger.exception("webhook retention purge failed; deliveries go on")

    def purge_old(self) -> int:
        """Delete settled deliveries and unreferenced events older than the retention
        (``CM_WEBHOOK_RETENTION``), in batches; at most once per :data:`PURGE_EVERY` (the
        worker's webhook step, :meth:`deliver_due`, calls it as it goes). How many rows
        went."""
        now = self._clock.now()
        if self._next_purge is not None and now < self._next_purge:
            return 0
        self._next_purge = now + PURGE_EVERY
        purged = 0
        while True:
            with self._uow_factory() as uow:
                batch = uow.webhooks.purge(now - self._retention, PURGE_BATCH)
                uow.commit()
            purged += batch
            if batch < PURGE_BATCH:
                break
        if purged:
            logger.info("webhooks: purged %d delivery and event row(s)", purged)
        return purged

    async def deliver_due(
        self, worker_id: str, limit: int = 50, *, stop: asyncio.Event | None = None
    ) -> int:
        """Send due deliveries, up to ``limit`` side by side, until none is due and none is
        being sent (or ``stop`` is set: then those being sent are finished). A pool: each
        slot is refilled as soon as its delivery finishes (which may free the next of its
        line), and free slots claim again every :data:`REFILL_WAIT`, so one slow receiver
        never holds the others' deliveries. How many were attempted."""
        attempted = 0
        sending: set[asyncio.Task[None]] = set()
        try:
            while True:
                await self._purge_if_due()
                free = limit - len(sending)
                if free > 0 and not (stop is not None and stop.is_set()):
                    jobs = await asyncio.to_thread(self._claim, worker_id, free)
                    sending |= {asyncio.create_task(self._deliver(job)) for job in jobs}
                    attempted += len(jobs)
                if not sending:
                    return attempted
                wait = REFILL_WAIT.total_seconds() if len(sending) < limit else None
                _done, pending = await asyncio.wait(
                    sending, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                sending = set(pending)
        finally:
            if sending:  # cancelled: the leases let another worker send them again
                for task in sending:
                    task.cancel()
                await asyncio.gather(*sending, return_exceptions=True)

    def _claim(self, worker_id: str, limit: int) -> list[DeliveryJob]:
        now = self._clock.now()
        with self._uow_factory() as uow:
            jobs = uow.webhooks.claim_due(now, worker_id, now + self._lease, limit)
            uow.commit()
        return jobs

    async def _deliver(self, job: DeliveryJob) -> None:
        delivery = job.delivery
        try:
            secret = self._vault.open(
                job.sealed_secret, seal_context(delivery.subscription_id)
            ).reveal_text()
            body = event_body(job.event)
            timestamp = int(self._clock.now().timestamp())
            headers = signed_headers(secret, job.event.id, timestamp, body)
            status = await self._transport.post(job.url, body, headers)
        except PermanentChannelError as error:
            outcome = delivery.refused(self._clock.now(), str(error))
        except RetryableChannelError as error:
            outcome = delivery.attempt_failed(
                self._clock.now(), None, str(error), self._policy, self._rng
            )
        except Exception as error:  # a vault failure, say: logged, retried later
            logger.exception("webhook delivery %s could not be sent", delivery.id)
            outcome = delivery.attempt_failed(
                self._clock.now(), None, type(error).__name__, self._policy, self._rng
            )
        else:
            if 200 <= status < 300:
                outcome = delivery.delivered(self._clock.now(), status)
            else:
                outcome = delivery.attempt_failed(
                    self._clock.now(),
                    status,
                    f"the receiver answered {status}",
                    self._policy,
                    self._rng,
                )
        stored = await asyncio.to_thread(self._record, delivery, outcome)
        log = logger.info if outcome.state is not DeliveryState.FAILED else logger.warning
        log(
            "webhook delivery %s (%s, event %s): %s after %d attempt(s)%s",
            delivery.id,
            delivery.event_type.value,
            delivery.event_id,
            outcome.state.value,
            outcome.attempts,
            "" if stored else " (taken over meanwhile; outcome dropped)",
        )

    def _record(self, sent: WebhookDelivery, outcome: WebhookDelivery) -> bool:
        """Store ``outcome`` unless another worker took the delivery over meanwhile (our
        lease ran out) or it was deleted. True when stored."""
        with self._uow_factory() as uow:
            try:
                current = uow.webhooks.get_delivery(sent.id)
            except NotFound:
                return False
            if (current.claimed_by, current.attempts) != (sent.claimed_by, sent.attempts):
                return False
            uow.webhooks.update_delivery(outcome)
            uow.commit()
        return True
