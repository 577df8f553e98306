"""Events the property system can subscribe to (webhooks): their names, as sent."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """What happened; the value is the ``type`` a webhook body carries."""

    RESERVATION_CREATED = "reservation.created"
    RESERVATION_MODIFIED = "reservation.modified"
    RESERVATION_CANCELLED = "reservation.cancelled"
    #: A pushed or polled booking we kept but could not apply (flagged in the push inbox).
    RESERVATION_FLAGGED = "reservation.flagged"
    #: A booking still unacknowledged at the channel 30 minutes after we first saw it.
    RESERVATION_UNACKNOWLEDGED = "reservation.unacknowledged"
    OVERBOOKING_DETECTED = "overbooking.detected"
    #: A connection's health turned red (the body says why).
    CONNECTION_UNHEALTHY = "connection.unhealthy"
    #: An outbound push was given up (its retries ran out, or the channel refused it).
    PUSH_FAILED = "push.failed"
