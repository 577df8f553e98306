"""The outbound queue: deliver due ARI messages, back off on transient failures, give up
visibly, and replay on request.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime
from uuid import UUID

from channel_manager.application.connect import REVOKED_PUSH
from channel_manager.application.errors import ConnectionNotActive
from channel_manager.application.scoping import owned_connection, require_active
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.ari_overlap import overrides
from channel_manager.domain.channel import PushOutcome
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import (
    ChannelAuthError,
    ChannelError,
    DomainError,
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.domain.events import EventType
from channel_manager.domain.request_budget import BudgetScope, RequestBudget, TokenBucket
from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.sync import OutboundMessage, OutboundState
from channel_manager.ports.channel import AriPublisher, AriPublishers, RequestBudgets
from channel_manager.ports.clock import Clock
from channel_manager.ports.events import EventSink, NoEvents
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: How many of a connection's messages are read per page when looking for newer ones.
_PAGE = 200
#: How many messages of one connection a claim takes at most (issue 18: no starvation).
PER_CONNECTION = 5


def not_sent_reason(connection: Connection) -> str:
    """Why a message of a connection that is not active is given up instead of sent."""
    return f"not sent: the connection is {connection.status.value}" + (
        " (connection revoked: its hotel may now be held by another connection)"
        if connection.revoked_at is not None
        else ""
    )


class PushSuperseded(DomainError):  # noqa: N818 -- named for the failure, as in the domain
    """A failed push cannot be replayed: a newer push sets some of the same values, and
    sending the old values again would undo it on the channel.
    """

    def __init__(self, message_id: UUID, newer_id: UUID) -> None:
        super().__init__(
            "this push is superseded by a newer push for the same rooms, days and values; "
            "submit the values again instead of replaying it"
        )
        self.message_id = message_id
        self.newer_id = newer_id


class OutboundDispatcher:
    """Claims due messages (per hotel in order, at most ``per_connection`` of a connection a
    round) and sends each once per claim, within each channel's request budgets.

    Budgets (issue 18) are spent from token buckets held here, one per connection or channel
    account and budget, so they count this process's requests. A connection out of budget is
    left out of the next claim (its messages wait, pending, not failed) while the others are
    served; one claimed beyond its budget is put back unsent, its attempt refunded. At most
    ``per_connection`` messages of a connection a round means a flood on one connection
    delays another connection's first message by one round at most (that many sends), while
    a connection with many hotels still sends several per claim.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateways: AriPublishers,
        clock: Clock,
        policy: RetryPolicy,
        rng: random.Random | None = None,
        *,
        events: EventSink | None = None,
        budgets: RequestBudgets | None = None,
        per_connection: int = PER_CONNECTION,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateways = gateways
        self._clock = clock
        self._policy = policy
        self._rng = rng or random.SystemRandom()
        self._events = events or NoEvents()  # push.failed (issue 18's webhooks)
        self._budgets = budgets
        self._per_connection = per_connection
        #: (budget, connection id or channel key) -> its bucket; full buckets are dropped.
        self._buckets: dict[tuple[RequestBudget, str], TokenBucket] = {}

    async def dispatch_due(self, worker_id: str, limit: int = 20) -> int:
        """Send up to ``limit`` due messages; return how many were attempted (not counting
        those put back for want of budget).

        A claim yields at most the oldest open message of each hotel (per-hotel order) and
        ``per_connection`` of each connection, so this claims again after each round until
        nothing is due or ``limit`` is reached.
        """
        gateways: dict[UUID, AriPublisher] = {}
        attempted = 0
        try:
            while attempted < limit:
                skip_connections, skip_channels = self._out_of_budget(self._clock.now())
                # Database work runs in a thread: the event loop may be serving HTTP too.
                claimed = await asyncio.to_thread(
                    self._claim, worker_id, limit - attempted, skip_connections, skip_channels
                )
                if not claimed:
                    break
                for message in claimed:
                    attempted += await self._send(gateways, message)
        finally:
            for gateway in gateways.values():
                await gateway.aclose()
        return attempted

    def _claim(
        self,
        worker_id: str,
        limit: int,
        skip_connections: set[UUID],
        skip_channels: set[str],
    ) -> list[OutboundMessage]:
        with self._uow_factory() as uow:
            claimed = uow.outbound.claim_due(
                self._clock.now(),
                worker_id,
                limit,
                per_connection=self._per_connection,
                skip_connections=skip_connections,
                skip_channels=skip_channels,
            )
            uow.commit()
        return claimed

    def _out_of_budget(self, now: datetime) -> tuple[set[UUID], set[str]]:
        """The connections and channels (accounts) with an empty bucket now."""
        connections: set[UUID] = set()
        channels: set[str] = set()
        for (budget, subject), bucket in list(self._buckets.items()):
            if bucket.ready(now):
                if bucket.tokens >= budget.requests:  # as good as a new bucket
                    del self._buckets[(budget, subject)]
            elif budget.scope is BudgetScope.CONNECTION:
                connections.add(UUID(subject))
            else:
                channels.add(subject)
        return connections, channels

    def _spend(self, connection: Connection, now: datetime) -> bool:
        """Take one request from every budget ``connection`` draws on; False, taking
        nothing, when one of them is spent."""
        if self._budgets is None:
            return True
        buckets = []
        for budget in self._budgets.request_budgets(connection):
            subject = (
                str(connection.id) if budget.scope is BudgetScope.CONNECTION else connection.channel
            )
            bucket = self._buckets.setdefault((budget, subject), TokenBucket.full(budget, now))
            buckets.append(bucket)
        if not all(bucket.ready(now) for bucket in buckets):
            return False
        for bucket in buckets:
            bucket.take(now)
        return True

    def _connection(self, connection_id: UUID) -> Connection:
        with self._uow_factory() as uow:
            return uow.connections.get(connection_id)

    async def _gateway(
        self, open_gateways: dict[UUID, AriPublisher], connection: Connection
    ) -> AriPublisher:
        """The connection's gateway; ``ConnectionNotActive`` when it may no longer talk to
        the channel (checked before every send: it may be revoked meanwhile)."""
        require_active(connection)
        gateway = open_gateways.get(connection.id)
        if gateway is None:
            gateway = self._gateways.for_connection(connection)
            open_gateways[connection.id] = gateway
        return gateway

    async def _send(
        self, open_gateways: dict[UUID, AriPublisher], message: OutboundMessage
    ) -> bool:
        """Send ``message`` and record the outcome; False when it was put back unsent (out
        of budget)."""
        connection = await asyncio.to_thread(self._connection, message.connection_id)
        try:
            gateway = await self._gateway(open_gateways, connection)
        except ConnectionNotActive:
            await self._record_outcome(
                message, message.fail_permanently(not_sent_reason(connection))
            )
            return True
        except ChannelError as error:  # no usable credentials or scope: nothing was sent
            await self._record_outcome(message, message.fail_permanently(str(error)))
            return True
        if not self._spend(connection, self._clock.now()):
            # Claimed beyond its budget (several in one round, or another connection of the
            # account spent the last request): it waits for its turn again.
            await self._record_outcome(message, message.put_back(self._clock.now()))
            return False
        try:
            outcome = await _push(gateway, message)
        except RetryableChannelError as error:
            updated = message.retry_later(
                self._clock.now(), str(error), error.retry_after, self._policy, self._rng
            )
        except (PermanentChannelError, ChannelAuthError) as error:
            updated = message.fail_permanently(str(error))
        else:
            if outcome.success:
                updated = message.delivered(self._clock.now(), outcome.confirmation)
            else:
                updated = message.fail_permanently(outcome.confirmation)
        await self._record_outcome(message, updated)
        return True

    async def _record_outcome(self, message: OutboundMessage, updated: OutboundMessage) -> None:
        if not await asyncio.to_thread(self._record, message, updated):
            logger.warning("outbound %s was taken over; our outcome is dropped", message.id)
            return
        logger.info(
            "outbound %s (%s %s): %s after %d attempt(s)",
            message.id,
            message.kind.value,
            message.hotel_code,
            updated.state.value,
            updated.attempts,
        )

    def _record(self, sent: OutboundMessage, outcome: OutboundMessage) -> bool:
        """Store ``outcome`` unless another worker took ``sent`` over meanwhile (our lease ran
        out while we were sending); then its outcome wins, and ARI values being absolute, our
        resend was harmless. True when stored.
        """
        with self._uow_factory() as uow:
            current = uow.outbound.get(sent.id)
            if (current.claimed_by, current.attempts) != (sent.claimed_by, sent.attempts):
                return False
            uow.outbound.update(outcome)
            if outcome.state is OutboundState.FAILED:
                self._events.emit(
                    uow,
                    uow.connections.get(outcome.connection_id).organization_id,
                    EventType.PUSH_FAILED,
                    {
                        "push_id": str(outcome.id),
                        "connection_id": str(outcome.connection_id),
                        "kind": outcome.kind.value,
                        "hotel_code": outcome.hotel_code,
                        "attempts": outcome.attempts,
                        "error": outcome.last_error,
                    },
                )
            uow.commit()
        return True

    def give_up_revoked(self) -> int:
        """Give up what revoked connections still have queued (a revocation gives its
        pushes up at once; this catches what was revoked before that, at worker start)."""
        with self._uow_factory() as uow:
            given_up = uow.outbound.give_up_revoked(REVOKED_PUSH)
            uow.commit()
        if given_up:
            logger.warning("gave up %d queued push(es) of revoked connections", given_up)
        return given_up

    def release(self, worker_id: str) -> int:
        """Give back whatever ``worker_id`` still holds (on shutdown)."""
        with self._uow_factory() as uow:
            released = uow.outbound.release(worker_id)
            uow.commit()
        return released

    def replay(self, organization_id: UUID, message_id: UUID) -> OutboundMessage:
        """Queue a failed message again from scratch, unless a newer message that was sent
        overrides some of its values (``PushSuperseded``): replaying it would put old values
        back.
        """
        with self._uow_factory() as uow:
            message = _owned_message(uow, organization_id, message_id)
            # A revoked connection's hotel may be another organisation's now.
            require_active(uow.connections.get(message.connection_id))
            replayed = message.replay(self._clock.now())  # refuses any state but failed
            newer = _newer_overriding(uow, message)
            if newer is not None:
                raise PushSuperseded(message.id, newer.id)
            uow.outbound.update(replayed)
            uow.commit()
        return replayed

    def get(self, organization_id: UUID, message_id: UUID) -> OutboundMessage:
        """One message of the organisation (``NotFound`` for anyone else's)."""
        with self._uow_factory() as uow:
            return _owned_message(uow, organization_id, message_id)

    def list(
        self,
        organization_id: UUID,
        connection_id: UUID | None = None,
        state: OutboundState | None = None,
        limit: int = 100,
    ) -> list[OutboundMessage]:
        """The organisation's pushes, newest first."""
        with self._uow_factory() as uow:
            if connection_id is not None:
                owned_connection(uow, organization_id, connection_id)
                return uow.outbound.list(connection_id=connection_id, state=state, limit=limit)
            return uow.outbound.list(organization_id=organization_id, state=state, limit=limit)


def _owned_message(uow: UnitOfWork, organization_id: UUID, message_id: UUID) -> OutboundMessage:
    """The organisation's push; one answer, "push ... not found", whether it does not exist
    or belongs to another organisation (the wording must not tell the two apart)."""
    try:
        message = uow.outbound.get(message_id)
        owned_connection(uow, organization_id, message.connection_id)
    except NotFound:
        raise NotFound("push", message_id) from None
    return message


#: A newer message in these states has reached (or is reaching) the channel, so replaying an
#: older one after it would undo it. A newer *pending* one is harmless: the replayed message
#: keeps its place in the queue (per ordering key, oldest first) and goes out before it.
_SENT = frozenset({OutboundState.IN_FLIGHT, OutboundState.DELIVERED})


def _newer_overriding(uow: UnitOfWork, message: OutboundMessage) -> OutboundMessage | None:
    """The first message queued after ``message`` on its connection that was sent (or is being
    sent) and overrides it."""
    offset = 0
    while page := uow.outbound.list(
        connection_id=message.connection_id, limit=_PAGE, offset=offset
    ):
        for other in page:  # newest first
            if other.created_at < message.created_at:
                return None
            # Queued at the same instant (one submission, or a frozen clock): not newer.
            newer = other.created_at > message.created_at
            if newer and other.state in _SENT and overrides(other.payload, message.payload):
                return other
        offset += len(page)
    return None


async def _push(gateway: AriPublisher, message: OutboundMessage) -> PushOutcome:
    if isinstance(message.payload, AvailRequest):
        return await gateway.push_availability(message.payload)
    return await gateway.push_rates(message.payload)
