"""How errors look in the browser: sign-in redirects and readable HTML error pages.

Two sets of handlers. :data:`WEB_EXCEPTION_HANDLERS` belong to the web UI's router: its pages
always answer with a page. :data:`APP_EXCEPTION_HANDLERS` are the app's own, for everything
else (an address no route matches, a method a route does not take, the connection wizard's
hops, an unexpected error anywhere): a browser gets a page in the site's layout, API clients
(``/api/...``, or whoever prefers JSON) the JSON error body, and the OTA push endpoint keeps
its own OTA answers. Nothing shown to a person carries a stack trace or an internal id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect

from channel_manager.application.errors import Unauthenticated
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.entrypoints.rest.errors import (
    REQUEST_ID_HEADER,
    domain_error_handler,
    http_error_handler,
    log_unexpected,
    status_for,
    unexpected_error_handler,
)
from channel_manager.entrypoints.web.rendering import page

SIGNIN_PATH = "/signin"

#: Paths whose callers are programs, never a person's browser: JSON (or OTA XML) always.
_MACHINE_PREFIXES = ("/api/", "/ota/")
_MACHINE_PATHS = frozenset({"/api", "/ota", "/healthz", "/openapi.json", "/schema"})

#: A page's heading per status.
_TITLES = {
    400: "Request not understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not available here",
    409: "Not possible right now",
    413: "Too large",
    422: "Please check your input",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    502: "Booking.com refused the request",
    503: "Booking.com cannot be reached",
}

#: What a person reads for Litestar's own errors, whose details are written for programmers.
_HTTP_MESSAGES = {
    403: ("This form has expired or was sent from another page. Reload the page and try again."),
    404: (
        "There is no page at this address. Check the link, or start again from the "
        "Integrations page."
    ),
    405: (
        "This address cannot be used that way. Go back and use the page's own links and buttons."
    ),
    413: "What was sent is larger than this service accepts.",
}

ErrorHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def safe_next(value: str | None) -> str:
    """A local path to return to after signing in; anything else goes to the start page.

    Only same-site absolute paths are accepted, so the parameter cannot be used as an open
    redirect (``//evil.example`` and ``/\\evil.example`` are refused).
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/integrations"
    return value


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A person's browser: it prefers HTML to JSON, and the path is not a program's
    (the JSON API, the OTA push endpoint, health and the OpenAPI document)."""
    path = request.url.path
    if path in _MACHINE_PATHS or path.startswith(_MACHINE_PREFIXES):
        return False
    return request.accept.best_match(["application/json", "text/html"]) == "text/html"


def error_page(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    *,
    title: str | None = None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """``error.html`` in the site's layout with ``status``."""
    response = page(
        request,
        "error.html",
        status,
        title=title or _TITLES.get(status, "Something went wrong"),
        message=message,
        request_id=request_id,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def signin_redirect(request: Request[Any, Any, Any], _error: Exception) -> Response[Any]:
    """Send a browser without a valid session to the sign-in page, remembering where it was."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = "/integrations"
    return Redirect(f"{SIGNIN_PATH}?{urlencode({'next': target})}", status_code=303)


def not_found_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """A 404 page; another organisation's ids land here too, indistinguishable from unknown.

    The message names the kind of thing only: the id is in the address bar already, and a
    raw id means nothing to a person.
    """
    assert isinstance(error, NotFound)
    kind = error.kind[:1].upper() + error.kind[1:]
    return error_page(
        request,
        404,
        f"{kind} not found. It may have been removed, or it belongs to another account.",
    )


def domain_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """Any other domain error, with the status the JSON API would use and its message."""
    assert isinstance(error, DomainError)
    status, _kind = status_for(error)
    return error_page(request, status, str(error))


def _http_message(error: HTTPException) -> str:
    if isinstance(error, ValidationException):
        fields = [
            str(item.get("key"))
            for item in (error.extra if isinstance(error.extra, list) else [])
            if isinstance(item, dict) and item.get("key")
        ]
        if fields:
            return (
                "This address has a value the page does not accept: "
                + ", ".join(dict.fromkeys(fields))
                + ". Go back and try again from the page's own form."
            )
        return "The request could not be read. Go back and try again from the page's own form."
    if error.status_code in _HTTP_MESSAGES:
        return _HTTP_MESSAGES[error.status_code]
    return str(error.detail)


def http_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """Litestar's own errors (a malformed query parameter, a missing route, a wrong method,
    a failed CSRF check) as a page, in words rather than the framework's detail."""
    assert isinstance(error, HTTPException)
    return error_page(request, error.status_code, _http_message(error), headers=error.headers)


def unexpected_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """Our bug: logged with its traceback under a request id; the person reads that id and
    nothing of the internals."""
    request_id = log_unexpected(request, error)
    return error_page(
        request,
        500,
        "The page could not be shown because of an error in this service. It has been "
        "logged; if it keeps happening, tell your administrator the reference below.",
        request_id=request_id,
        headers={REQUEST_ID_HEADER: request_id},
    )


def _for_browser(json_handler: ErrorHandler, html_handler: ErrorHandler) -> ErrorHandler:
    """A handler that answers a browser with ``html_handler`` and anyone else with
    ``json_handler``."""

    def handle(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        if wants_html(request):
            return html_handler(request, error)
        return json_handler(request, error)

    handle.__doc__ = json_handler.__doc__
    return handle


def _browser_domain_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    if isinstance(error, Unauthenticated):
        return signin_redirect(request, error)
    if isinstance(error, NotFound):
        return not_found_page(request, error)
    return domain_error_page(request, error)


#: Passed to the web router: the most specific class wins, as everywhere in Litestar.
WEB_EXCEPTION_HANDLERS: Mapping[type[Exception], ErrorHandler] = {
    Unauthenticated: signin_redirect,
    NotFound: not_found_page,
    DomainError: domain_error_page,
    HTTPException: http_error_page,
    Exception: unexpected_error_page,
}

#: The app's handlers (``create_app``): JSON for programs, a page for a person's browser.
APP_EXCEPTION_HANDLERS: Mapping[type[Exception], ErrorHandler] = {
    DomainError: _for_browser(domain_error_handler, _browser_domain_error),
    HTTPException: _for_browser(http_error_handler, http_error_page),
    Exception: _for_browser(unexpected_error_handler, unexpected_error_page),
}
