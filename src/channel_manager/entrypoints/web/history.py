"""Push history (state, attempts, confirmation, errors, Retry) and the message log, across
all of the organisation's connections or filtered to one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import QueryParameter

from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.application.queries import Queries
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.sync import OutboundState
from channel_manager.entrypoints.web.common import (
    choice_or_none,
    notify,
    see_other,
    uuid_or_none,
)
from channel_manager.entrypoints.web.pickers import pick_connection_filter
from channel_manager.entrypoints.web.push_rows import push_rows
from channel_manager.entrypoints.web.rendering import page

PUSHES_SHOWN = 100
#: The message log page filters the newest entries of this many.
MESSAGE_LOOKBACK = 500
MESSAGES_SHOWN = 100


@get("/pushes", include_in_schema=False, sync_to_thread=True)
def pushes_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    dispatcher: OutboundDispatcher,
    now: datetime,
    connection_id: str | None = None,
    # ``state`` is a name Litestar reserves for the application state.
    push_state_text: Annotated[str | None, QueryParameter(name="state")] = None,
    push: str | None = None,
) -> Response[str]:
    """Pushes of every connection (or of the one filtered on), newest first, with what they
    carried, how the channel answered and what a queued push waits for; ``push`` shows that
    one push only (the rates grid's failed marks link to it)."""
    pick = pick_connection_filter(request, queries, organization_id, connection_id)
    push_state = choice_or_none(OutboundState, push_state_text, "State")
    chosen = pick.chosen.id if pick.chosen else None
    one = uuid_or_none(push, "Push")
    messages = (
        [dispatcher.get(organization_id, one)]
        if one is not None
        else dispatcher.list(organization_id, chosen, push_state, PUSHES_SHOWN)
    )
    failed_elsewhere = (
        queries.failed_pushes_elsewhere(organization_id, chosen) if chosen is not None else 0
    )
    return page(
        request,
        "pushes.html",
        title="Push history",
        nav="pushes",
        pick=pick,
        pushes=push_rows(messages, pick, queries.push_queue(organization_id)),
        failed_elsewhere=failed_elsewhere,
        states=[s.value for s in OutboundState],
        state=push_state.value if push_state else "",
        now=now,
    )


@post("/pushes/{push_id:uuid}/retry", include_in_schema=False, sync_to_thread=True)
def retry_push(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    push_id: UUID,
    dispatcher: OutboundDispatcher,
) -> Response[Any]:
    """Queue a failed push again from scratch; the worker sends it on its next round."""
    dispatcher.replay(organization_id, push_id)
    notify(request, "The push is queued again; it is sent within seconds.")
    return see_other("/pushes")  # the list as it was filtered


def _matches(
    entry: MessageLogEntry,
    direction: MessageDirection | None,
    message_type: str | None,
    ruid: str | None,
    search: str | None,
) -> bool:
    return (
        (direction is None or entry.direction is direction)
        and (not message_type or message_type.lower() in entry.message_type.lower())
        and (not ruid or (entry.ruid or "").lower() == ruid.strip().lower())
        and (not search or search in entry.body)
    )


@get("/messages", include_in_schema=False, sync_to_thread=True)
def messages_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    connection_id: str | None = None,
    direction: Annotated[str | None, QueryParameter(name="direction")] = None,
    message_type: Annotated[str | None, QueryParameter(name="type")] = None,
    ruid: str | None = None,
    search: Annotated[str | None, QueryParameter(name="q")] = None,
) -> Response[str]:
    """Every message sent and received (secrets masked), filterable, with the RUID that
    Booking.com support asks for.
    """
    pick = pick_connection_filter(request, queries, organization_id, connection_id)
    chosen_direction = choice_or_none(MessageDirection, direction, "Direction")
    entries = queries.recent_messages(
        organization_id, pick.chosen.id if pick.chosen else None, MESSAGE_LOOKBACK
    )
    found = [e for e in entries if _matches(e, chosen_direction, message_type, ruid, search)]
    return page(
        request,
        "messages.html",
        title="Message log",
        nav="messages",
        pick=pick,
        entries=found[:MESSAGES_SHOWN],
        total=len(found),
        lookback=MESSAGE_LOOKBACK,
        directions=[d.value for d in MessageDirection],
        filters={
            "direction": chosen_direction.value if chosen_direction else "",
            "type": message_type or "",
            "ruid": ruid or "",
            "q": search or "",
        },
    )


HISTORY_HANDLERS = (pushes_page, retry_push, messages_page)
