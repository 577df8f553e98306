"""The connection wizard's two hops: out to the channel, and back from it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import attrs
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect

from channel_manager.application.connect import ConnectService
from channel_manager.application.errors import Unauthenticated
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.errors import ChannelAuthError, DomainError
from channel_manager.entrypoints.rest.auth import API_KEY_SECURITY, flow_binding
from channel_manager.entrypoints.rest.errors import error_body, error_responses, status_for

#: The web UI page that shows how the connection went.
RESULT_PAGE = "/integrations/booking/result"


@attrs.frozen(kw_only=True)
class ConnectedAnswer:
    """The callback's JSON answer to API clients: the connection it stored."""

    connection_id: UUID
    status: str


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
    """Create a single-use, expiring state and send the user to the channel (302).

    The state is bound to the caller: the callback must come from the same signed-in
    browser, or carry the same API key.
    """
    binding = flow_binding(request)
    if binding is None:  # authenticated, so a key or a session is there; never unbound
        raise Unauthenticated("sign in or present an API key to connect")
    try:
        url = connect.begin(organization_id, mode, hotel_id or None, binding=binding)
    except DomainError as error:
        if not _wants_html(request):
            raise
        # A person who typed a bad property id reads why on the result page, not in JSON.
        _status, kind = status_for(error)
        query = urlencode({"status": "error", "reason": str(error), "type": kind})
        return Redirect(f"{RESULT_PAGE}?{query}", status_code=303)
    return Redirect(url, status_code=302)


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


@get(
    "/oauth/booking/callback",
    tags=["connect"],
    responses={
        200: ResponseSpec(
            ConnectedAnswer, description="Connected (API clients)", generate_examples=False
        ),
        303: ResponseSpec(None, description="Browsers: to the UI's result page (Location)"),
        **error_responses(404, 409, 422, 502, 503),
    },
)
async def booking_callback(
    request: Request[Any, Any, Any], connect: ConnectService
) -> Response[Any]:
    """Finish the flow: check the state (and that it comes back to the browser or API key
    that started it), exchange or accept, store the connection.

    Browsers are redirected to the UI's result page; API clients get JSON.
    """
    params = {key: value for key, value in request.query_params.items() if isinstance(value, str)}
    state = params.get("state", "")
    try:
        connection = await connect.complete(state, params, binding=flow_binding(request))
    except DomainError as error:
        status, kind = status_for(error)
        if isinstance(error, ChannelAuthError):
            # Here a refusal is the person's answer (or a bad code), not an upstream failure.
            status = 400
        if _wants_html(request):
            query = urlencode({"status": "error", "reason": str(error), "type": kind})
            return Redirect(f"{RESULT_PAGE}?{query}", status_code=303)
        return Response(error_body(status, kind, str(error)), status_code=status)
    if _wants_html(request):
        query = urlencode({"status": "connected", "connection_id": str(connection.id)})
        return Redirect(f"{RESULT_PAGE}?{query}", status_code=303)
    return Response(
        {"connection_id": str(connection.id), "status": connection.status.value},
        status_code=200,
    )
