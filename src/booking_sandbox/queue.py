"""The reservation message queues behind OTA_HotelResNotif and OTA_HotelResModifyNotif.

Semantics (BOOKING_CONNECTIVITY.md section 3):
- a GET serves every pending (unacknowledged, not superseded) message, again and again;
- a change made before the new booking was acknowledged arrives as a *new* message that replaces
  the old one; a later modification replaces an unacknowledged earlier one;
- acknowledging a message the client was never served (it was superseded since, or it lives in
  the other queue) is refused: 400 "transaction message of the wrong type";
- acknowledging an already acknowledged message again is accepted (idempotent).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Collection

from booking_sandbox.model import MessageKind, QueueMessage, Reservation

WRONG_TYPE = "transaction message of the wrong type"


class QueueError(Exception):
    """An acknowledgement or query the queue refuses; `status` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ReservationQueue:
    """Pending reservation messages for both queues ("new" and "modify")."""

    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        self._now = now
        self.lock = threading.RLock()
        self.messages: list[QueueMessage] = []

    def enqueue(self, kind: MessageKind, reservation: Reservation) -> QueueMessage:
        """Queue a message for `reservation`, superseding what it replaces."""
        with self.lock:
            pending_new = self._pending_of(reservation.id, "new")
            if kind is MessageKind.MODIFY and pending_new:
                # Booking.com: a change before the booking was acknowledged arrives as a new one.
                kind = MessageKind.NEW
            if kind is MessageKind.NEW:
                for message in pending_new:
                    message.superseded = True
            else:
                for message in self._pending_of(reservation.id, "modify"):
                    message.superseded = True
            message = QueueMessage(
                id=len(self.messages) + 1,
                kind=kind,
                reservation_id=reservation.id,
                hotel_code=reservation.hotel_code,
                snapshot=reservation,
                created_at=self._now(),
            )
            self.messages.append(message)
            return message

    def serve(
        self,
        queue: str,
        hotel_codes: Collection[str],
        reservation_id: str | None = None,
        limit: int | None = None,
    ) -> list[QueueMessage]:
        """Pending messages of one queue for these hotels, oldest first; marks them delivered."""
        with self.lock:
            # Stops at ``limit``: a long backlog is not listed whole to serve one page of it.
            served = list(
                itertools.islice(
                    (
                        m
                        for m in self.messages
                        if m.pending
                        and m.kind.queue == queue
                        and m.hotel_code in hotel_codes
                        and (reservation_id is None or m.reservation_id == reservation_id)
                    ),
                    limit,
                )
            )
            for message in served:
                message.delivered = True
            return served

    def acknowledge(
        self, queue: str, reservation_ids: list[str], hotel_codes: Collection[str], *, reject: bool
    ) -> list[QueueMessage]:
        """Acknowledge (or reject) the served message of each reservation, all or nothing."""
        if not reservation_ids:
            raise QueueError(400, "no HotelReservationID to acknowledge")
        with self.lock:
            chosen: list[QueueMessage] = []
            for reservation_id in reservation_ids:
                mine = [m for m in self.messages if m.reservation_id == reservation_id]
                if not mine:
                    raise QueueError(400, f"unknown reservation {reservation_id}")
                if mine[0].hotel_code not in hotel_codes:
                    raise QueueError(403, f"access denied for hotel {mine[0].hotel_code}")
                in_queue = [m for m in mine if m.kind.queue == queue]
                pending = [m for m in in_queue if m.pending]
                if pending and all(m.delivered for m in pending):
                    chosen.extend(pending)
                elif pending or not in_queue:
                    raise QueueError(400, f"{WRONG_TYPE} for reservation {reservation_id}")
            for message in chosen:
                if reject:
                    message.rejected = True
                else:
                    message.acknowledged = True
            return chosen

    def _pending_of(self, reservation_id: str, queue: str) -> list[QueueMessage]:
        return [
            m
            for m in self.messages
            if m.reservation_id == reservation_id and m.kind.queue == queue and m.pending
        ]
