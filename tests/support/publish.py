"""Publish policies for tests that build an outbox without the container."""

from __future__ import annotations

import attrs

from channel_manager.adapters.booking.publish_policy import BookingPublishPolicy
from channel_manager.domain.connection import Connection
from channel_manager.ports.channel import PublishPolicy


@attrs.frozen
class OnePolicy:
    """``PublishPolicies`` answering the same policy (Booking.com's by default) for every
    connection, whatever its channel."""

    policy: PublishPolicy = attrs.field(factory=BookingPublishPolicy)

    def publish_policy(self, connection: Connection) -> PublishPolicy:
        """``policy``, for any connection."""
        return self.policy


#: The policy of the ``booking`` channel, as the container registers it.
BOOKING_POLICIES = OnePolicy()
