"""The Extranet stand-in page and the Connections API (JSON envelope).

| method | path | answer |
| --- | --- | --- |
| GET | `/extranet/connect?hotel_id&provider&return_url` | HTML: request a connection |
| POST | `/extranet/connect` | request pending; 302 to `return_url?hotel_id=&outcome=requested` |
| GET | `/connections-api/requests` | `data.requests`: pending requests |
| POST | `/connections-api/requests/{hotel_id}/accept` / `reject` | 403/635 if none pending |
| GET | `/connections-api/properties/{hotel_id}/status` | `data.status`, `data.connected_at` |
| POST | `/connections-api/properties/{hotel_id}/deactivate` | 400/450 if not connected |
Errors: 400/320 invalid id, 400/450 unknown or not connected, 403/497 caller not a certified
machine account, 403/635 request not found, 500/448 (injected faults).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from booking_sandbox.html import html_page
from booking_sandbox.model import HotelConnection
from booking_sandbox.responses import envelope
from booking_sandbox.routes.common import first, form_body, principal, sandbox
from booking_sandbox.state import ConnectionsApiError


def _safe_return_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


async def extranet_page(request: Request) -> Response:
    """What a property sees in the Extranet when asked to connect to a provider."""
    params = request.query_params
    hotel_id, return_url = params.get("hotel_id", ""), params.get("return_url", "")
    provider = params.get("provider") or sandbox(request).config.provider_name
    if not _safe_return_url(return_url):
        return html_page("Extranet", "<p>return_url must be an absolute http(s) URL.</p>", 400)
    hotel = sandbox(request).hotel(hotel_id)
    if hotel is None:
        return html_page("Extranet", f"<p>Unknown property {escape(hotel_id)}.</p>", 404)
    body = (
        f"<p>Property <strong>{escape(hotel.name)}</strong> ({hotel.code}): connect to the "
        f"provider <strong>{escape(provider)}</strong>?</p>"
        "<form method='post' action='/extranet/connect'>"
        f"<input type='hidden' name='hotel_id' value='{escape(hotel.code)}'>"
        f"<input type='hidden' name='return_url' value='{escape(return_url)}'>"
        "<button type='submit' name='decision' value='request'>Request connection</button> "
        "<button type='submit' name='decision' value='cancel'>Cancel</button></form>"
    )
    return html_page("Booking.com Extranet (sandbox)", body)


async def extranet_submit(request: Request) -> Response:
    """Record the connection request (or not) and send the user back to the provider."""
    fields = await form_body(request)
    hotel_id, return_url = first(fields, "hotel_id") or "", first(fields, "return_url") or ""
    if not _safe_return_url(return_url) or sandbox(request).hotel(hotel_id) is None:
        return html_page("Extranet", "<p>Invalid connection request.</p>", 400)
    outcome = "cancelled"
    if first(fields, "decision") == "request":
        sandbox(request).request_connection(hotel_id)
        outcome = "requested"
    separator = "&" if urlsplit(return_url).query else "?"
    query = urlencode({"hotel_id": hotel_id, "outcome": outcome})
    return RedirectResponse(f"{return_url}{separator}{query}", status_code=302)


def _require_provider(request: Request) -> None:
    caller = principal(request)
    if caller.kind != "machine" or caller.account is None or not caller.account.certified:
        raise ConnectionsApiError(403, 497, "caller is not a certified provider machine account")


def _describe(hotel_id: str, connection: HotelConnection) -> dict[str, Any]:
    return {
        "hotel_id": hotel_id,
        "status": connection.status.value,
        "requested_at": connection.requested_at.isoformat() if connection.requested_at else None,
        "connected_at": connection.connected_at.isoformat() if connection.connected_at else None,
    }


async def pending_requests(request: Request) -> Response:
    """Every pending connection request."""
    _require_provider(request)
    state = sandbox(request)
    requests = [
        {**_describe(code, conn), "hotel_name": state.hotels[code].name}
        for code, conn in state.connections.items()
        if conn.status.value == "pending"
    ]
    return envelope({"requests": requests})


async def accept(request: Request) -> Response:
    """Accept a pending request: the property becomes connected."""
    _require_provider(request)
    hotel_id = request.path_params["hotel_id"]
    return envelope(_describe(hotel_id, sandbox(request).decide_connection(hotel_id, accept=True)))


async def reject(request: Request) -> Response:
    """Reject a pending request."""
    _require_provider(request)
    hotel_id = request.path_params["hotel_id"]
    return envelope(_describe(hotel_id, sandbox(request).decide_connection(hotel_id, accept=False)))


async def status(request: Request) -> Response:
    """`data.status`: connected | pending | not_connected."""
    _require_provider(request)
    hotel_id = request.path_params["hotel_id"]
    return envelope(_describe(hotel_id, sandbox(request).connection(hotel_id)))


async def deactivate(request: Request) -> Response:
    """End an active connection."""
    _require_provider(request)
    hotel_id = request.path_params["hotel_id"]
    return envelope(_describe(hotel_id, sandbox(request).deactivate_connection(hotel_id)))


ROUTES = [
    Route("/extranet/connect", extranet_page, methods=["GET"]),
    Route("/extranet/connect", extranet_submit, methods=["POST"]),
    Route("/connections-api/requests", pending_requests, methods=["GET"]),
    Route("/connections-api/requests/{hotel_id}/accept", accept, methods=["POST"]),
    Route("/connections-api/requests/{hotel_id}/reject", reject, methods=["POST"]),
    Route("/connections-api/properties/{hotel_id}/status", status, methods=["GET"]),
    Route("/connections-api/properties/{hotel_id}/deactivate", deactivate, methods=["POST"]),
]
