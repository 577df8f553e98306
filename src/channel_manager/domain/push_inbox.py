"""The push inbox (issue 17): pushed messages acknowledged on arrival and applied afterwards.

The push endpoint stores each admitted message as one :class:`InboxRow` (its body sealed by the
vault: it holds guests' data and possibly a card) and answers at once; a worker applies pending
rows in batches. An applied row is deleted (the message log keeps the redacted message); a row
that could not be applied stays, retried with backoff or flagged with its reason, and can be
retried by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import attrs

#: The first wait before applying a failed row again; it doubles up to :data:`RETRY_CAP`.
RETRY_FIRST = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=5)
#: How long a row that may yet apply (a cancellation whose booking is not here yet, our own
#: failure) is retried before it is flagged.
RETRY_FOR = timedelta(hours=1)


class InboxState(StrEnum):
    """Where an inbox row stands (applied rows are deleted)."""

    #: Waiting to be applied (``next_attempt_at`` says from when).
    PENDING = "pending"
    #: Not applied, and not retried by itself any more: someone must look (and retry).
    FLAGGED = "flagged"


class InboxFailure(StrEnum):
    """Why a row was not applied."""

    #: No active connection of the channel holds or maps a hotel the message names.
    UNKNOWN_PROPERTY = "unknown_property"
    #: It refers to a reservation not here yet (a cancellation that overtook its booking).
    NOT_YET_KNOWN = "not_yet_known"
    #: The domain rules refuse it (a change not possible in the reservation's state ...).
    REFUSED = "refused"
    #: The stored message cannot be read any more (a vault key removed, say).
    UNREADABLE = "unreadable"
    #: Our failure (the database, a bug).
    FAILED = "failed"


#: Failures that may go away by themselves: retried with backoff for :data:`RETRY_FOR`.
TRANSIENT = frozenset({InboxFailure.NOT_YET_KNOWN, InboxFailure.FAILED})


@attrs.frozen
class InboxRoute:
    """One reservation of the message and the connection routing found for it (``None``:
    not routed, or not yet)."""

    reservation_id: str
    hotel_code: str | None
    connection_id: UUID | None = None


@attrs.frozen
class InboxRow:
    """One pushed message, sealed, waiting to be applied (or flagged)."""

    id: UUID
    channel: str
    received_at: datetime
    #: The raw body sealed by the vault for this row (:func:`seal_context`): never plaintext.
    sealed_body: bytes
    message_type: str
    ruid: str | None
    routes: tuple[InboxRoute, ...]
    state: InboxState = InboxState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    failure: InboxFailure | None = None
    last_error: str | None = None

    @property
    def connection_ids(self) -> frozenset[UUID]:
        """The connections routing has found so far (what scopes who sees the row)."""
        return frozenset(r.connection_id for r in self.routes if r.connection_id is not None)

    def due_at(self) -> datetime:
        """When it may be applied."""
        return self.next_attempt_at or self.received_at

    def failed(
        self,
        failure: InboxFailure,
        error: str,
        now: datetime,
        routes: tuple[InboxRoute, ...] | None = None,
    ) -> InboxRow:
        """This row after a failed attempt: retried with backoff while the failure may go away
        by itself and :data:`RETRY_FOR` has not passed since it arrived, else flagged."""
        attempts = self.attempts + 1
        wait = min(RETRY_FIRST * 2 ** min(attempts - 1, 16), RETRY_CAP)
        retry = failure in TRANSIENT and now + wait <= self.received_at + RETRY_FOR
        return attrs.evolve(
            self,
            state=InboxState.PENDING if retry else InboxState.FLAGGED,
            attempts=attempts,
            next_attempt_at=now + wait if retry else now,
            failure=failure,
            last_error=error[:2000],
            routes=self.routes if routes is None else routes,
        )

    def retried(self, now: datetime) -> InboxRow:
        """This row to be applied again at once (by hand, after a mapping was fixed)."""
        return attrs.evolve(self, state=InboxState.PENDING, next_attempt_at=now)


def seal_context(row_id: UUID) -> str:
    """What an inbox body is sealed for: a token copied to another row does not open."""
    return f"push-inbox:{row_id}"
