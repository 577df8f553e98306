"""Signing in with an API key, and signing out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter

from channel_manager.adapters.throttle import SIGN_IN, LockedOut
from channel_manager.application.apikeys import ApiKeyService
from channel_manager.application.errors import Unauthenticated
from channel_manager.entrypoints.rest.auth import SESSION_KEY
from channel_manager.entrypoints.rest.throttle import RequestThrottle
from channel_manager.entrypoints.web.common import see_other, text
from channel_manager.entrypoints.web.errors import safe_next
from channel_manager.entrypoints.web.rendering import page
from channel_manager.entrypoints.web.security import rotate_session_id


def _start_session(request: Request[Any, Any, Any], key: str) -> None:
    # A fresh dict under a fresh id: nothing from before sign-in carries over, and an id
    # planted in the browser beforehand (session fixation) is worthless.
    rotate_session_id(request)
    request.set_session({SESSION_KEY: key})


@get("/signin", sync_to_thread=True, include_in_schema=False)
def signin_page(
    request: Request[Any, Any, Any],
    api_keys: ApiKeyService,
    key: str | None = None,
    next_path: Annotated[str | None, QueryParameter(name="next")] = None,
) -> Response[Any]:
    """The sign-in form; ``?key=cm_...`` (the demo's one-click link) signs in directly."""
    destination = safe_next(next_path)
    if key:
        try:
            api_keys.authenticate(key)
        except Unauthenticated as error:
            return page(request, "signin.html", 401, error=str(error), next=destination)
        _start_session(request, key)
        return see_other(destination)
    return page(request, "signin.html", next=destination, error=None)


@post("/signin", sync_to_thread=True, include_in_schema=False)
def signin(
    request: Request[Any, Any, Any],
    api_keys: ApiKeyService,
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    auth_throttle: RequestThrottle,
) -> Response[Any]:
    """Check the key from the form and keep it in the session."""
    key = text(data, "api_key")
    destination = safe_next(text(data, "next"))
    try:
        auth_throttle.check(request, SIGN_IN, key)  # locked out: not even a right key passes
        api_keys.authenticate(key)
    except LockedOut as error:
        return page(request, "signin.html", 429, error=str(error), next=destination)
    except Unauthenticated as error:
        auth_throttle.failed(request, SIGN_IN, key)
        return page(request, "signin.html", 401, error=str(error), next=destination)
    assert key is not None  # authenticate refuses a missing key
    _start_session(request, key)
    return see_other(destination)


@post("/signout", sync_to_thread=False, include_in_schema=False)
def signout(request: Request[Any, Any, Any]) -> Response[Any]:
    """Forget the key: the session is deleted on the server and its cookie expired."""
    request.clear_session()
    return see_other("/signin?signed_out=1")


SIGNIN_HANDLERS = (signin_page, signin, signout)
