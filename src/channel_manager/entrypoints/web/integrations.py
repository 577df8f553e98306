"""The Integrations page (a Booking.com card per connection), disconnecting, and the page the
connection wizard comes back to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import attrs
from litestar import Request, Response, get, post
from litestar.params import QueryParameter

from channel_manager.application.connect import ConnectService
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.entrypoints.web.common import notify, see_other
from channel_manager.entrypoints.web.inbound_push import PushEndpoint, last_pushes
from channel_manager.entrypoints.web.rendering import page

#: The wizard's error types (from the callback redirect) explained for a person.
RESULT_EXPLANATIONS = {
    "state_expired": (
        "The connection link expired before you came back from Booking.com. "
        "Links are valid for a few minutes only; please start again."
    ),
    "state_reused": (
        "This return link was already used, so it cannot finish a connection a second time. "
        "If the connection is not listed on the Integrations page, please start again."
    ),
    "unknown_state": (
        "We did not recognise this return link: it was not started here, or it was changed "
        "on the way. Please start the connection again from the Integrations page."
    ),
    "state_foreign": (
        "This return link belongs to a connection started in another browser or by another "
        "account, so it cannot finish here. Start the connection again from this browser's "
        "Integrations page."
    ),
    "channel_refused_access": (
        "Booking.com did not grant access. Either the request was declined on Booking.com's "
        "page, or the property has not approved us as its connectivity provider yet."
    ),
    "channel_unavailable": (
        "Booking.com could not be reached to finish the connection. Please try again in a "
        "few minutes."
    ),
    "invalid_request": "The connection request was incomplete. Please start again.",
}
GENERIC_EXPLANATION = "The connection could not be completed. Please start again."

#: Polls failing for longer than this turn the card's badge from amber to red (a poll every
#: 20 s: a blip heals within a few, a refusal does not).
POLL_ALARM_AFTER = timedelta(minutes=5)


@attrs.frozen
class PollTrouble:
    """The card's status when an active connection's polls keep failing."""

    since: datetime
    error: str
    alarm: bool

    @property
    def badge_class(self) -> str:
        """Red after :data:`POLL_ALARM_AFTER`, amber before (classes of app.css)."""
        return "status-error" if self.alarm else "status-pending"


def poll_trouble(connection: Connection, now: datetime) -> PollTrouble | None:
    """Why an active connection's card must not read green: its polls are failing."""
    since = connection.poll_failing_since
    if not connection.is_active or since is None:
        return None
    return PollTrouble(
        since=since,
        error=connection.poll_error or "unknown error",
        alarm=now - since >= POLL_ALARM_AFTER,
    )


@get("/", include_in_schema=False, sync_to_thread=False)
def home() -> Response[Any]:
    """The start page is the Integrations page."""
    return see_other("/integrations")


@get("/integrations", include_in_schema=False, sync_to_thread=True)
def integrations_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    now: datetime,
    push_endpoint: PushEndpoint,
) -> Response[str]:
    """Every Booking.com connection with its health, the form to connect one, and the
    panel on reservations pushed to us (the endpoint and each connection's last push)."""
    connections = queries.connections(organization_id)
    live = [
        queries.health(organization_id, c.id)
        for c in reversed(connections)
        if c.status is not ConnectionStatus.REVOKED
    ]
    revoked = [c for c in reversed(connections) if c.status is ConnectionStatus.REVOKED]
    return page(
        request,
        "integrations.html",
        title="Integrations",
        nav="integrations",
        cards=live,
        revoked=revoked,
        modes=[mode.value for mode in AuthMode],
        now=now,
        push_endpoint=push_endpoint,
        last_pushes=last_pushes(queries, organization_id, [h.connection for h in live]),
        poll_trouble=poll_trouble,
    )


@post("/integrations/{connection_id:uuid}/disconnect", include_in_schema=False)
async def disconnect(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    connect: ConnectService,
) -> Response[Any]:
    """Revoke at the channel, stop syncing, keep the history."""
    await connect.disconnect(organization_id, connection_id)
    notify(request, "Booking.com was disconnected. Reservations and history are kept.")
    return see_other("/integrations")


@get("/integrations/booking/result", include_in_schema=False, sync_to_thread=True)
def connection_result(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    status: str = "error",
    connection_id: UUID | None = None,
    reason: str | None = None,
    error_type: Annotated[str | None, QueryParameter(name="type")] = None,
) -> Response[str]:
    """How the connection wizard ended, in words, with the next step."""
    if status == "connected" and connection_id is not None:
        connection = queries.connection(organization_id, connection_id)
        return page(
            request,
            "connect_result.html",
            title="Booking.com connected",
            nav="integrations",
            connection=connection,
            explanation=None,
            reason=None,
        )
    return page(
        request,
        "connect_result.html",
        title="Booking.com was not connected",
        nav="integrations",
        connection=None,
        explanation=RESULT_EXPLANATIONS.get(error_type or "", GENERIC_EXPLANATION),
        reason=reason,
    )


INTEGRATION_HANDLERS = (home, integrations_page, disconnect, connection_result)
