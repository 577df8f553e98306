"""Who is calling: a bearer API key (REST clients) or the web UI's session."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request
from litestar.openapi.spec import SecurityScheme

from channel_manager.application.apikeys import ApiKeyService
from channel_manager.application.errors import Unauthenticated

#: The OpenAPI security schemes: our API keys, and the OTA push senders' HTTP Basic pair.
SECURITY_SCHEMES = {
    "ApiKey": SecurityScheme(
        type="http",
        scheme="bearer",
        description="An API key (cm_...) from `channel-manager api-keys create`.",
    ),
    "PushBasic": SecurityScheme(
        type="http",
        scheme="basic",
        description="CM_PUSH_USERNAME and CM_PUSH_PASSWORD, given to the OTA push sender.",
    ),
}
#: What the JSON API and the wizard's first hop require.
API_KEY_SECURITY: list[dict[str, list[str]]] = [{"ApiKey": []}]

#: Where the web UI keeps the signed-in key (the session cookie is HttpOnly and SameSite).
SESSION_KEY = "api_key"


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def session_key(request: Request[Any, Any, Any]) -> str | None:
    """The API key the web UI stored in the session at sign-in, if any."""
    session: object = request.scope.get("session")
    if not isinstance(session, dict):
        return None
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) else None


#: The JSON API is exempt from the web UI's CSRF check, so there the session may only read
#: (the UI's live progress polling): a write needs a bearer key, and a forged cross-site
#: request cannot ride on the session cookie. Web forms are CSRF-checked and use the session.
_API_PREFIX = "/api/"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _session_allowed(request: Request[Any, Any, Any]) -> bool:
    return request.method in _SAFE_METHODS or not request.url.path.startswith(_API_PREFIX)


def authenticate(request: Request[Any, Any, Any], api_keys: ApiKeyService) -> UUID:
    """The caller's organisation; ``Unauthenticated`` without a valid key."""
    token = bearer_token(request)
    if token is None and _session_allowed(request):
        token = session_key(request)
    if token is None:
        raise Unauthenticated("a valid API key is required (Authorization: Bearer cm_...)")
    return api_keys.authenticate(token)
