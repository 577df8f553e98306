"""The connection wizard's two hops: out to the channel, and back from it, per channel:
``GET /connect/{channel}`` and ``GET /oauth/{channel}/callback``. Booking.com's paths
(``/connect/booking``, ``/oauth/booking/callback``) are the ``booking`` case, kept as their own
documented operations. A channel that is not registered is answered 404.

A browser is sent to the UI's result page with an error *code*, never with text: the page
shows only what the product wrote for that code (an address anyone can send a person must not
be able to put words on our page). The error itself is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import attrs
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect

from channel_manager.application.channels import UnknownChannel
from channel_manager.application.connect import ConnectService
from channel_manager.application.errors import Unauthenticated
from channel_manager.container import BOOKING
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.errors import ChannelAuthError, DomainError, HotelAlreadyHeld
from channel_manager.entrypoints.rest.auth import API_KEY_SECURITY, flow_binding
from channel_manager.entrypoints.rest.errors import error_body, error_responses, status_for

logger = logging.getLogger(__name__)

#: The web UI page that shows how the connection went.
RESULT_PAGE = "/integrations/booking/result"
#: The result page's code for consent declined at the channel's page (OAuth 2.0, RFC 6749
#: 4.1.2.1: the callback carries ``error=access_denied``).
ACCESS_DENIED = "access_denied"
#: The code for a hotel already connected in the caller's own organisation.
HOTEL_HELD_HERE = "hotel_held_here"


def result_code(error: DomainError, params: Mapping[str, str] | None = None) -> str:
    """The result page's code for a failed connection: the JSON API's error type, made more
    precise where a person's next step differs."""
    if (params or {}).get("error") == ACCESS_DENIED and isinstance(error, ChannelAuthError):
        return ACCESS_DENIED
    if isinstance(error, HotelAlreadyHeld) and error.same_organization:
        return HOTEL_HELD_HERE
    return status_for(error)[1]


def _failed(error: DomainError, params: Mapping[str, str] | None = None) -> Redirect:
    """To the result page with the error's code; what happened goes to the log."""
    code = result_code(error, params)
    logger.info("connection wizard ended with %s: %s", code, error)
    return Redirect(
        f"{RESULT_PAGE}?{urlencode({'status': 'error', 'code': code})}", status_code=303
    )


@attrs.frozen(kw_only=True)
class ConnectedAnswer:
    """The callback's JSON answer to API clients: the connection it stored."""

    connection_id: UUID
    status: str


def _begin(
    request: Request[Any, Any, Any],
    channel: str,
    organization_id: UUID,
    connect: ConnectService,
    mode: AuthMode | None,
    hotel_id: str | None,
) -> Redirect:
    binding = flow_binding(request)
    if binding is None:  # authenticated, so a key or a session is there; never unbound
        raise Unauthenticated("sign in or present an API key to connect")
    try:
        url = connect.begin(
            organization_id, mode, hotel_id or None, binding=binding, channel=channel
        )
    except UnknownChannel:
        raise  # no such page: 404, not the result page of a connection that never started
    except DomainError as error:
        if not _wants_html(request):
            raise
        # A person who typed a bad property id reads why on the result page, not in JSON.
        return _failed(error)
    return Redirect(url, status_code=302)


@get(
    "/connect/booking",
    tags=["connect"],
    sync_to_thread=True,
    status_code=302,
    security=API_KEY_SECURITY,
    responses=error_responses(422),
)
def connect_booking(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connect: ConnectService,
    mode: AuthMode | None = None,
    hotel_id: str | None = None,
) -> Redirect:
    """Create a single-use, expiring state and send the user to Booking.com (302).

    The state is bound to the caller: the callback must come from the same signed-in
    browser, or carry the same API key.
    """
    return _begin(request, BOOKING, organization_id, connect, mode, hotel_id)


@get(
    "/connect/{channel:str}",
    tags=["connect"],
    sync_to_thread=True,
    status_code=302,
    security=API_KEY_SECURITY,
    responses=error_responses(404, 422),
)
def connect_channel(
    request: Request[Any, Any, Any],
    channel: str,
    organization_id: UUID,
    connect: ConnectService,
    mode: AuthMode | None = None,
    hotel_id: str | None = None,
) -> Redirect:
    """Create a single-use, expiring state and send the user to ``channel``'s authorisation
    page (302); 404 for a channel that is not registered.

    The state is bound to the caller: the callback must come from the same signed-in
    browser, or carry the same API key.
    """
    return _begin(request, channel, organization_id, connect, mode, hotel_id)


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def _callback(
    request: Request[Any, Any, Any], channel: str, connect: ConnectService
) -> Response[Any]:
    params = {key: value for key, value in request.query_params.items() if isinstance(value, str)}
    state = params.get("state", "")
    try:
        connection = await connect.complete(
            state, params, binding=flow_binding(request), channel=channel
        )
    except UnknownChannel:
        raise  # 404
    except DomainError as error:
        status, kind = status_for(error)
        if isinstance(error, ChannelAuthError):
            # Here a refusal is the person's answer (or a bad code), not an upstream failure.
            status = 400
        if _wants_html(request):
            return _failed(error, params)
        return Response(error_body(status, kind, str(error)), status_code=status)
    if _wants_html(request):
        query = urlencode({"status": "connected", "connection_id": str(connection.id)})
        return Redirect(f"{RESULT_PAGE}?{query}", status_code=303)
    return Response(
        {"connection_id": str(connection.id), "status": connection.status.value},
        status_code=200,
    )


def _callback_responses() -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            ConnectedAnswer, description="Connected (API clients)", generate_examples=False
        ),
        303: ResponseSpec(None, description="Browsers: to the UI's result page (Location)"),
        **error_responses(404, 409, 422, 502, 503),
    }


@get("/oauth/booking/callback", tags=["connect"], responses=_callback_responses())
async def booking_callback(
    request: Request[Any, Any, Any], connect: ConnectService
) -> Response[Any]:
    """Finish Booking.com's flow: check the state (and that it comes back to the browser or
    API key that started it), exchange or accept, store the connection.

    Browsers are redirected to the UI's result page; API clients get JSON.
    """
    return await _callback(request, BOOKING, connect)


@get("/oauth/{channel:str}/callback", tags=["connect"], responses=_callback_responses())
async def channel_callback(
    request: Request[Any, Any, Any], channel: str, connect: ConnectService
) -> Response[Any]:
    """Finish ``channel``'s flow: check the state (that it was started for this channel, and
    comes back to the browser or API key that started it), exchange or accept, store the
    connection; 404 for a channel that is not registered.

    Browsers are redirected to the UI's result page; API clients get JSON.
    """
    return await _callback(request, channel, connect)
