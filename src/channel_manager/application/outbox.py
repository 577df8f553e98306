"""The ARI outbox: change sets become outbox rows in the caller's transaction; the dispatcher
delivers them later.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from channel_manager.domain.ari import AriChangeSet, AriRequest
from channel_manager.domain.ari_merge import merge_requests
from channel_manager.domain.connection import Connection
from channel_manager.domain.sync import OutboundMessage, outbound_kind
from channel_manager.ports.channel import PublishPolicies, PublishPolicy
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWork


class AriOutbox:
    """Turns change sets into the requests of each connection's channel (its publish policy,
    from ``policies``: the channel registry) and queues them as outbox rows."""

    def __init__(
        self, clock: Clock, ids: IdGenerator, max_attempts: int, policies: PublishPolicies
    ) -> None:
        self._clock = clock
        self._ids = ids
        self._max_attempts = max_attempts
        self._policies = policies

    def policy(self, connection: Connection) -> PublishPolicy:
        """How ``connection``'s channel is sent our calendar."""
        return self._policies.publish_policy(connection)

    def queue(
        self, uow: UnitOfWork, connection: Connection, change_set: AriChangeSet
    ) -> list[OutboundMessage]:
        """Queue the requests the connection's channel policy shapes, inside the caller's
        unit of work; the messages that now carry them (issue 18: coalescing).

        A request is merged into the newest undelivered message of its hotel, kind and
        month when that message is pending and unclaimed (locked meanwhile, so no worker
        starts it): the newer values win per night and field and the message keeps its place
        in the queue. When the merged ranges would exceed the policy's ``max_items``, the
        request is queued as a message of its own after it instead (the overflow is a new
        message). A newest message in flight or failed, or none, means a new message at the
        end too.
        Merging only into the newest is what keeps order: no message after it holds a night
        of its month, not even a failed one that a replay could send again, so nothing older
        can overtake the merged values. Requests of one call are never merged with each
        other: the policy shaped them apart.
        """
        policy = self.policy(connection)
        requests = policy.shape(change_set)
        now = self._clock.now()
        queued: list[OutboundMessage] = []
        added: set[UUID] = set()
        for request in requests:
            ordering_key = f"{connection.id}:{request.hotel_code}"
            kind = outbound_kind(request)
            target = uow.outbound.lock_mergeable(ordering_key, kind, request.month)
            parts: tuple[AriRequest, ...] = (request,)
            if target is not None and target.id not in added:
                merged = merge_requests(target.payload, request, policy.max_items)
                if len(merged) == 1:
                    update = attrs.evolve(target, payload=merged[0])
                    uow.outbound.update(update)
                    queued.append(update)
                    parts = ()
                # Else the merge would outgrow one request: the change goes in a message of
                # its own after the target, which stays as it is (every value in it keeps
                # the message its calendar link names).
            for part in parts:
                message = OutboundMessage(
                    id=self._ids.new_id(),
                    connection_id=connection.id,
                    hotel_code=part.hotel_code,
                    kind=kind,
                    payload=part,
                    ordering_key=ordering_key,
                    max_attempts=self._max_attempts,
                    next_attempt_at=now,
                    created_at=now,
                )
                uow.outbound.add(message)
                added.add(message.id)
                queued.append(message)
        return queued
