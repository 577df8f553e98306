"""The ARI outbox: change sets become outbox rows in the caller's transaction; the dispatcher
delivers them later.
"""

from __future__ import annotations

from channel_manager.domain.ari import AriChangeSet
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
        """Add one outbox row per request the connection's channel policy shapes, inside the
        caller's unit of work."""
        requests = self.policy(connection).shape(change_set)
        now = self._clock.now()
        queued = []
        for request in requests:
            message = OutboundMessage(
                id=self._ids.new_id(),
                connection_id=connection.id,
                hotel_code=request.hotel_code,
                kind=outbound_kind(request),
                payload=request,
                ordering_key=f"{connection.id}:{request.hotel_code}",
                max_attempts=self._max_attempts,
                next_attempt_at=now,
                created_at=now,
            )
            uow.outbound.add(message)
            queued.append(message)
        return queued
