"""OAuth 2.0 endpoints: the consent page, the token endpoint and revocation.

`GET /oauth2/authorize?response_type=code&client_id&redirect_uri&state&code_challenge
&code_challenge_method=S256[&hotel_id]` shows a plain HTML form; it posts back to
`POST /oauth2/authorize` with the same fields plus `decision=approve|deny` and one `hotel_id`
per approved hotel (scripts and tests may post that form directly).
"""

from __future__ import annotations

import base64
import binascii
from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from booking_sandbox.html import html_page
from booking_sandbox.oauth import OAuthError
from booking_sandbox.responses import json_response
from booking_sandbox.routes.common import first, form_body, sandbox

_PASSED_ON = ("response_type", "client_id", "redirect_uri", "state", "code_challenge")


def _redirect(redirect_uri: str, **params: str) -> RedirectResponse:
    parts = urlsplit(redirect_uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def _validated(request: Request, params: dict[str, str]) -> Response | None:
    """None when the request may proceed; otherwise the error page or error redirect."""
    server = sandbox(request).oauth
    try:
        client = server.client(params.get("client_id", ""))
        server.check_redirect_uri(client, params.get("redirect_uri", ""))
    except OAuthError as exc:
        # Never redirect to an unverified URI (RFC 6749 4.1.2.1): show the error instead.
        return html_page("Authorisation error", f"<p>{escape(exc.description)}</p>", 400)
    state = params.get("state", "")
    if params.get("response_type") != "code":
        return _redirect(params["redirect_uri"], error="unsupported_response_type", state=state)
    if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
        return _redirect(
            params["redirect_uri"],
            error="invalid_request",
            error_description="PKCE with code_challenge_method=S256 is required",
            state=state,
        )
    return None


async def authorize_page(request: Request) -> Response:
    """The consent page with a hotel picker and Approve / Deny buttons."""
    params = dict(request.query_params)
    refusal = _validated(request, params)
    if refusal is not None:
        return refusal
    chosen = params.get("hotel_id")
    hidden = "".join(
        f"<input type='hidden' name='{name}' value='{escape(params.get(name, ''))}'>"
        for name in (*_PASSED_ON, "code_challenge_method")
    )
    hotels = "".join(
        f"<li><label><input type='checkbox' name='hotel_id' value='{escape(h.code)}'"
        f"{' checked' if chosen in (None, h.code) else ''}> "
        f"{escape(h.name)} ({h.code})</label></li>"
        for h in sandbox(request).hotels.values()
    )
    body = (
        f"<p>The application <strong>{escape(params['client_id'])}</strong> asks to manage "
        "reservations, rates and availability of these properties:</p>"
        f"<form method='post' action='/oauth2/authorize'>{hidden}<ul>{hotels}</ul>"
        "<button type='submit' name='decision' value='approve'>Approve</button> "
        "<button type='submit' name='decision' value='deny'>Deny</button></form>"
    )
    return html_page("Booking.com sandbox: grant access", body)


async def authorize_decision(request: Request) -> Response:
    """The user's answer: redirect with `code`+`state`, or `error=access_denied`+`state`."""
    fields = await form_body(request)
    params = {k: v[0] for k, v in fields.items() if v}
    refusal = _validated(request, params)
    if refusal is not None:
        return refusal
    state = params.get("state", "")
    if params.get("decision") != "approve":
        return _redirect(params["redirect_uri"], error="access_denied", state=state)
    hotels = sandbox(request).hotels
    chosen = tuple(h for h in fields.get("hotel_id", []) if h in hotels)
    if not chosen:
        return html_page(
            "Choose a property", "<p>Select at least one property to approve.</p>", 400
        )
    code = sandbox(request).oauth.issue_code(
        params["client_id"], params["redirect_uri"], params["code_challenge"], chosen
    )
    return _redirect(params["redirect_uri"], code=code, state=state)


def _client_credentials(request: Request, fields: dict[str, list[str]]) -> tuple[str, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            user, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "malformed Basic header", 401) from exc
        return user, secret
    return first(fields, "client_id") or "", first(fields, "client_secret")


async def token(request: Request) -> Response:
    """grant_type=authorization_code (PKCE) or refresh_token (rotating)."""
    fields = await form_body(request)
    server = sandbox(request).oauth
    try:
        client_id, secret = _client_credentials(request, fields)
        server.authenticate_client(client_id, secret)
        grant_type = first(fields, "grant_type")
        if grant_type not in {"authorization_code", "refresh_token"}:
            return json_response(
                {"error": "unsupported_grant_type", "error_description": f"{grant_type!r}"}, 400
            )
        if grant_type == "authorization_code":
            issued = server.redeem_code(
                client_id,
                first(fields, "code") or "",
                first(fields, "redirect_uri") or "",
                first(fields, "code_verifier") or "",
            )
        else:
            issued = server.refresh(client_id, first(fields, "refresh_token") or "")
    except OAuthError as exc:
        return json_response(
            {"error": exc.error, "error_description": exc.description},
            exc.status,
            {"Cache-Control": "no-store"},
        )
    return json_response(issued, headers={"Cache-Control": "no-store"})


async def revoke(request: Request) -> Response:
    """RFC 7009 revocation: always 200 for a well-formed request."""
    fields = await form_body(request)
    value = first(fields, "token")
    if not value:
        return json_response(
            {"error": "invalid_request", "error_description": "token missing"}, 400
        )
    sandbox(request).oauth.revoke(value)
    return Response(status_code=200)


ROUTES = [
    Route("/oauth2/authorize", authorize_page, methods=["GET"]),
    Route("/oauth2/authorize", authorize_decision, methods=["POST"]),
    Route("/oauth2/token", token, methods=["POST"]),
    Route("/oauth2/revoke", revoke, methods=["POST"]),
]
