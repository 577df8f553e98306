"""Token exchange: `POST /token-based-authentication/exchange`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.responses import json_response
from booking_sandbox.routes.common import BadRequestError, json_body, sandbox


async def exchange(request: Request) -> Response:
    """`{"client_id", "client_secret"}` -> `{"jwt", "ruid"}` (429 beyond the hourly budget)."""
    payload = await json_body(request)
    client_id, client_secret = payload.get("client_id"), payload.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        raise BadRequestError("client_id and client_secret are required")
    return json_response(sandbox(request).tokens.exchange(client_id, client_secret))


ROUTES = [Route("/token-based-authentication/exchange", exchange, methods=["POST"])]
