"""``/api/v1/push-inbox``: pushed reservations acknowledged but not applied yet (issue 17).

An organisation sees only rows routed (at least in part) to its own connections, each with
only its own reservations; rows that route nowhere (an unknown hotel) are an admin's, through
the CLI (``channel-manager push-inbox list``).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import QueryParameter

from channel_manager.application.push_inbox import InboxView, PushInbox
from channel_manager.domain.push_inbox import InboxState
from channel_manager.entrypoints.rest.errors import error_responses as errors

#: Page size, validated (400) and documented in OpenAPI.
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Rows (1-500).")]


class PushInboxController(Controller):
    """Pushed messages waiting: retried by themselves (pending) or flagged for someone."""

    path = "/push-inbox"
    tags = ("reservations",)

    @get("/", sync_to_thread=True, responses=errors())
    def list_push_inbox(
        self,
        organization_id: UUID,
        push_inbox: PushInbox[Any],
        inbox_state: Annotated[InboxState | None, QueryParameter(name="state")] = None,
        limit: Limit = 100,
    ) -> list[InboxView]:
        """Rows oldest first (``?state=flagged`` for the ones that need attention), with why
        they were not applied and how often they were tried."""
        return push_inbox.list(inbox_state, organization_id, limit)

    @post("/{row_id:uuid}/retry", sync_to_thread=True, responses=errors(404))
    def retry_push_inbox_row(
        self, organization_id: UUID, row_id: UUID, push_inbox: PushInbox[Any]
    ) -> InboxView:
        """Apply a row again at once (after fixing a mapping, say); the reservations' ledger
        applies it once however often it is retried."""
        return push_inbox.retry(row_id, organization_id)
