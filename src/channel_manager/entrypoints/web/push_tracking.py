"""Following a rates push to its outcome: the pushes one submission of the rates form queued,
listed on the rates page it returns to, and their states as JSON, which ``static/rates.js``
polls every two seconds until each is delivered or failed (no reload needed).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import attrs
from litestar import Response, get
from litestar.exceptions import HTTPException

from channel_manager.application.errors import Unauthenticated
from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.sync import OutboundMessage, OutboundState
from channel_manager.entrypoints.rest.errors import domain_error_handler, http_error_handler
from channel_manager.entrypoints.web.common import FormError

#: One submission covers at most 731 days: 25 calendar months, two message types each.
MAX_TRACKED = 60
#: Where a push stops changing on its own (a failed one waits for a person's Retry).
FINISHED = frozenset({OutboundState.DELIVERED, OutboundState.FAILED})
#: The JSON endpoint ``rates.js`` polls.
STATES_PATH = "/rates/push-states"


@attrs.frozen(kw_only=True)
class TrackedPush:
    """What the rates page says about one queued push while it is followed."""

    id: UUID
    message: str
    month: date
    state: OutboundState
    attempts: int
    max_attempts: int
    last_error: str | None
    confirmation: str | None

    @classmethod
    def of(cls, pushed: OutboundMessage) -> TrackedPush:
        """The view of one outbox row."""
        payload = pushed.payload
        return cls(
            id=pushed.id,
            message=(
                "OTA_HotelAvailNotifRQ"
                if isinstance(payload, AvailRequest)
                else "OTA_HotelRateAmountNotifRQ"
            ),
            month=payload.month,
            state=pushed.state,
            attempts=pushed.attempts,
            max_attempts=pushed.max_attempts,
            last_error=pushed.last_error,
            confirmation=pushed.confirmation,
        )

    @property
    def finished(self) -> bool:
        """Delivered or failed: nothing more happens without a person."""
        return self.state in FINISHED

    def as_json(self) -> dict[str, Any]:
        """The fields ``rates.js`` updates."""
        return {
            "id": str(self.id),
            "state": self.state.value,
            "finished": self.finished,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "last_error": self.last_error,
            "confirmation": self.confirmation,
        }


def push_ids(text: str | None) -> list[UUID]:
    """The comma-separated push ids of a ``pushes`` / ``ids`` parameter (none when blank)."""
    if not text:
        return []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) > MAX_TRACKED:
        raise FormError(f"At most {MAX_TRACKED} pushes can be followed at once")
    try:
        return list(dict.fromkeys(UUID(part) for part in parts))
    except ValueError:
        raise FormError("pushes must be push ids separated by commas") from None


def tracked_pushes(
    dispatcher: OutboundDispatcher, organization_id: UUID, ids: list[UUID]
) -> list[TrackedPush]:
    """The organisation's pushes ``ids`` (``NotFound`` for anyone else's)."""
    return [TrackedPush.of(dispatcher.get(organization_id, push_id)) for push_id in ids]


def summary(pushes: list[TrackedPush]) -> str:
    """One line for the page and for ``rates.js``: how far the followed pushes got."""
    total = len(pushes)
    delivered = sum(p.state is OutboundState.DELIVERED for p in pushes)
    failed = sum(p.state is OutboundState.FAILED for p in pushes)
    if failed:
        return f"{failed} of {total} failed: Booking.com did not take these values."
    if delivered == total:
        return f"All {total} delivered: Booking.com confirmed the new values."
    return f"Sending: {delivered} of {total} delivered so far."


@get(
    STATES_PATH,
    include_in_schema=False,
    sync_to_thread=True,
    # JSON errors for the script, not the UI's HTML pages (Unauthenticated and NotFound have
    # handlers of their own on the web router, so they are named here too).
    exception_handlers={
        Unauthenticated: domain_error_handler,
        NotFound: domain_error_handler,
        DomainError: domain_error_handler,
        HTTPException: http_error_handler,
    },
)
def push_states(
    organization_id: UUID, dispatcher: OutboundDispatcher, ids: str | None = None
) -> Response[dict[str, Any]]:
    """``{"pushes": [...], "summary": "...", "finished": bool}`` for the pushes ``ids``."""
    pushes = tracked_pushes(dispatcher, organization_id, push_ids(ids))
    return Response(
        {
            "pushes": [p.as_json() for p in pushes],
            "summary": summary(pushes),
            "finished": all(p.finished for p in pushes),
        },
        headers={"Cache-Control": "no-store"},
    )
