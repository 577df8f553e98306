"""How errors look in the browser: sign-in redirects and readable HTML error pages.

The JSON API keeps its own handlers; these apply only under the web UI's router.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from channel_manager.application.errors import Unauthenticated
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.entrypoints.rest.errors import status_for
from channel_manager.entrypoints.web.rendering import page

SIGNIN_PATH = "/signin"


def safe_next(value: str | None) -> str:
    """A local path to return to after signing in; anything else goes to the start page.

    Only same-site absolute paths are accepted, so the parameter cannot be used as an open
    redirect (``//evil.example`` and ``/\\evil.example`` are refused).
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/integrations"
    return value


def signin_redirect(request: Request[Any, Any, Any], _error: Exception) -> Response[Any]:
    """Send a browser without a valid session to the sign-in page, remembering where it was."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = "/integrations"
    return Redirect(f"{SIGNIN_PATH}?{urlencode({'next': target})}", status_code=303)


def not_found_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """A 404 page; another organisation's ids land here too, indistinguishable from unknown."""
    return page(request, "error.html", 404, title="Not found", message=str(error))


def domain_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """Any other domain error, with the status the JSON API would use and its message."""
    assert isinstance(error, DomainError)
    status, _kind = status_for(error)
    return page(request, "error.html", status, title="Something went wrong", message=str(error))


def http_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """Litestar's own errors (a malformed query parameter, a missing route) as a page."""
    assert isinstance(error, HTTPException)
    return page(
        request,
        "error.html",
        error.status_code,
        title="Request not understood" if error.status_code < 500 else "Server error",
        message=str(error.detail),
    )


#: Passed to the web router: the most specific class wins, as everywhere in Litestar.
WEB_EXCEPTION_HANDLERS = {
    Unauthenticated: signin_redirect,
    NotFound: not_found_page,
    DomainError: domain_error_page,
    HTTPException: http_error_page,
}
