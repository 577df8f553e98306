"""Signing in with an API key or a one-time sign-in link, and signing out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter

from channel_manager.adapters.throttle import SIGN_IN, LockedOut
from channel_manager.application.apikeys import ApiKeyService
from channel_manager.application.errors import Unauthenticated
from channel_manager.application.signin_links import SIGNIN_LINK_PATH, SigninLinks
from channel_manager.entrypoints.rest.throttle import RequestThrottle
from channel_manager.entrypoints.web.common import see_other, text
from channel_manager.entrypoints.web.errors import safe_next
from channel_manager.entrypoints.web.rendering import page
from channel_manager.entrypoints.web.security import start_session

KEY_IN_URL = (
    "API keys are not accepted in links (a link ends up in browser history and logs). "
    "Paste the key below, or ask for a one-time sign-in link: channel-manager signin-link."
)


@get("/signin", sync_to_thread=False, include_in_schema=False)
def signin_page(
    request: Request[Any, Any, Any],
    key: str | None = None,
    next_path: Annotated[str | None, QueryParameter(name="next")] = None,
) -> Response[Any]:
    """The sign-in form. A key in the URL (the old one-click link) signs nobody in."""
    destination = safe_next(next_path)
    if key is not None:
        return page(request, "signin.html", 400, error=KEY_IN_URL, next=destination)
    return page(request, "signin.html", next=destination, error=None)


@post("/signin", sync_to_thread=True, include_in_schema=False)
def signin(
    request: Request[Any, Any, Any],
    api_keys: ApiKeyService,
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    auth_throttle: RequestThrottle,
) -> Response[Any]:
    """Check the key from the form and sign this browser in to its organisation."""
    key = text(data, "api_key")
    destination = safe_next(text(data, "next"))
    try:  # locked out: not even a right key passes
        record = auth_throttle.attempt(request, SIGN_IN, key, lambda: api_keys.identify(key))
    except LockedOut as error:
        return page(request, "signin.html", 429, error=str(error), next=destination)
    except Unauthenticated as error:
        return page(request, "signin.html", 401, error=str(error), next=destination)
    start_session(request, record.organization_id, record.id)
    return see_other(destination)


@get(SIGNIN_LINK_PATH, sync_to_thread=True, include_in_schema=False)
def signin_link_page(
    request: Request[Any, Any, Any],
    signin_links: SigninLinks,
    token: str | None = None,
    next_path: Annotated[str | None, QueryParameter(name="next")] = None,
) -> Response[Any]:
    """Opening a sign-in link only asks: the button posts the token (a page that loads the
    link in the background signs nobody in).
    """
    destination = safe_next(next_path)
    try:
        organization = signin_links.peek(token)
    except Unauthenticated as error:
        return page(request, "signin_link.html", 401, error=str(error), organization=None)
    return page(
        request,
        "signin_link.html",
        title="Sign in",
        organization=organization,
        token=token,
        next=destination,
        error=None,
    )


@post(SIGNIN_LINK_PATH, sync_to_thread=True, include_in_schema=False)
def signin_link(
    request: Request[Any, Any, Any],
    signin_links: SigninLinks,
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    auth_throttle: RequestThrottle,
) -> Response[Any]:
    """Use the token up (once, in whichever process) and sign this browser in."""
    destination = safe_next(text(data, "next"))
    token = text(data, "token")
    try:  # guessing tokens locks out like guessing keys
        organization_id = auth_throttle.attempt(
            request, SIGN_IN, token, lambda: signin_links.redeem(token)
        )
    except LockedOut as error:
        return page(request, "signin_link.html", 429, error=str(error), organization=None)
    except Unauthenticated as error:
        return page(request, "signin_link.html", 401, error=str(error), organization=None)
    start_session(request, organization_id, None)
    return see_other(destination)


@post("/signout", sync_to_thread=False, include_in_schema=False)
def signout(request: Request[Any, Any, Any]) -> Response[Any]:
    """Sign out: the session is deleted on the server and its cookie expired."""
    request.clear_session()
    return see_other("/signin?signed_out=1")


SIGNIN_HANDLERS = (signin_page, signin, signin_link_page, signin_link, signout)
