"""The Integrations page (a Booking.com card per connection), disconnecting, and the page the
connection wizard comes back to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
from litestar import Request, Response, get, post

from channel_manager.application.connect import ConnectService
from channel_manager.application.feeds import FeedService
from channel_manager.application.health import ChannelHealth
from channel_manager.application.overbookings import OverbookingQuery
from channel_manager.application.push_inbox import PushInbox
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.entrypoints.web.calendars import ICAL_CHANNEL, overbooked_units
from channel_manager.entrypoints.web.common import notify, see_other
from channel_manager.entrypoints.web.health import health_badge
from channel_manager.entrypoints.web.inbound_push import InboxCounts, PushEndpoint, last_pushes
from channel_manager.entrypoints.web.pickers import connection_choices
from channel_manager.entrypoints.web.rendering import page

#: Every text the result page shows for a failed connection, by the code the wizard's
#: redirect carries (``rest.connect.result_code``: the JSON API's error type, refined where
#: the next step differs). The page shows nothing else from its address: an unknown code
#: reads as :data:`GENERIC_EXPLANATION`.
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
    "access_denied": (
        "Access was not granted on Booking.com's page, so nothing was connected. Start again "
        "and choose to allow access when Booking.com asks."
    ),
    "channel_refused_access": (
        "Booking.com did not grant access. Either the request was declined on Booking.com's "
        "page, or the property has not approved us as its connectivity provider yet."
    ),
    "channel_unavailable": (
        "Booking.com could not be reached to finish the connection. Please try again in a "
        "few minutes."
    ),
    "channel_rejected": (
        "Booking.com did not confirm the connection. For an Extranet connection, request the "
        "connection in the Booking.com Extranet from the link this page opens (a request made "
        "earlier does not count), then come back."
    ),
    "invalid_property_id": (
        "Enter your Booking.com property id to connect through the Extranet: the number "
        "the Extranet shows for your property, digits only (for example 1234567)."
    ),
    "invalid_request": "The connection request was incomplete. Please start again.",
    "hotel_held_here": (
        "This Booking.com property is already connected in your organisation. To connect it "
        "again, first disconnect its current connection on the Integrations page."
    ),
    "hotel_held": (
        "This Booking.com property is already connected to another organisation on this "
        "channel manager. Ask that organisation to disconnect it, or ask your operator to "
        "move it to yours (channel-manager connections move-hotel)."
    ),
    "hotel_already_connected": (
        "This Booking.com property is already connected to this channel manager, and no new "
        "connection request was made for it. If your organisation should manage it, the "
        "organisation holding it disconnects it first, or your operator moves it to yours "
        "(channel-manager connections move-hotel)."
    ),
    "hotel_contested": (
        "Another organisation on this channel manager is connecting the same Booking.com "
        "property right now, so nothing was connected. Try again in a few minutes; if it "
        "keeps happening, ask your operator."
    ),
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
    feeds: FeedService,
    overbookings: OverbookingQuery,
    push_inbox: PushInbox[Any],
    *,
    channel_health: ChannelHealth,
) -> Response[str]:
    """Every Booking.com connection with its health, the form to connect one, the panel on
    reservations pushed to us (the endpoint, each connection's last push and the push inbox's
    waiting rows), and a card per calendar (iCal) with the button to add one."""
    connections = queries.connections(organization_id)
    live = [
        queries.health(organization_id, c.id)
        for c in reversed(connections)
        if c.status is not ConnectionStatus.REVOKED and c.channel != ICAL_CHANNEL
    ]
    calendars = [
        f
        for f in reversed(feeds.list(organization_id))
        if f.connection.status is not ConnectionStatus.REVOKED
    ]
    alerts = overbookings.list(organization_id)
    revoked = [c for c in reversed(connections) if c.status is ConnectionStatus.REVOKED]
    # Each card named as the pickers name it ("Booking.com · Harbour View Hotel"), so two
    # accounts are told apart.
    labels = {choice.id: choice.label for choice in connection_choices(queries, organization_id)}
    return page(
        request,
        "integrations.html",
        title="Integrations",
        nav="integrations",
        cards=live,
        revoked=revoked,
        # Booking.com's ways to connect; a calendar (a feed URL) is added in its own section.
        modes=[mode.value for mode in AuthMode if mode is not AuthMode.FEED_URL],
        now=now,
        push_endpoint=push_endpoint,
        last_pushes=last_pushes(queries, organization_id, [h.connection for h in live]),
        inbox=InboxCounts.of(push_inbox, organization_id),
        poll_trouble=poll_trouble,
        labels=labels,
        calendars=calendars,
        overbooked=overbooked_units(alerts),
        overbooking_total=len(alerts),
        # Channel health (issue 18): each card's status and its worst reason.
        health_reports=channel_health.reports(organization_id),
        health_badge=health_badge,
    )


@post("/integrations/{connection_id:uuid}/disconnect", include_in_schema=False)
async def disconnect(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    connect: ConnectService,
) -> Response[Any]:
    """Revoke at the channel, stop syncing, keep the history."""
    revoked = await connect.disconnect(organization_id, connection_id)
    what = "The calendar" if revoked.channel == ICAL_CHANNEL else "Booking.com"
    notify(request, f"{what} was disconnected. Reservations and history are kept.")
    return see_other("/integrations")


@get("/integrations/booking/result", include_in_schema=False, sync_to_thread=True)
def connection_result(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    status: str = "error",
    connection_id: UUID | None = None,
    code: str | None = None,
) -> Response[str]:
    """How the connection wizard ended, in words, with the next step: only words of ours,
    chosen by ``code`` (any other text in the address is never shown)."""
    if status == "connected" and connection_id is not None:
        connection = queries.connection(organization_id, connection_id)
        return page(
            request,
            "connect_result.html",
            title="Booking.com connected",
            nav="integrations",
            connection=connection,
            explanation=None,
        )
    return page(
        request,
        "connect_result.html",
        title="Booking.com was not connected",
        nav="integrations",
        connection=None,
        explanation=RESULT_EXPLANATIONS.get(code or "", GENERIC_EXPLANATION),
    )


INTEGRATION_HANDLERS = (home, integrations_page, disconnect, connection_result)
