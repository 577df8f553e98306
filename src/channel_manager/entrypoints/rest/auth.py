"""Who is calling: a bearer API key (REST clients) or the web UI's session."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request
from litestar.openapi.spec import SecurityScheme

from channel_manager.application.apikeys import ApiKeyService
from channel_manager.application.errors import Unauthenticated
from channel_manager.application.web_sessions import hash_secret

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

#: What the web UI keeps in a signed-in session (never a credential): the organisation, the
#: API key it signed in with (None for a sign-in link; revoking the key ends the session),
#: the session's CSRF token, and a random id of this browser that flows are bound to.
SESSION_ORGANIZATION = "organization_id"
SESSION_API_KEY = "api_key_id"
SESSION_CSRF = "csrf"
SESSION_BROWSER = "browser"


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _session(request: Request[Any, Any, Any]) -> dict[str, Any]:
    session: object = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def signed_in(request: Request[Any, Any, Any]) -> tuple[UUID, UUID | None] | None:
    """The organisation and API key id of the web UI's signed-in session, if any."""
    session = _session(request)
    organization, key = session.get(SESSION_ORGANIZATION), session.get(SESSION_API_KEY)
    try:
        return UUID(str(organization)), (UUID(str(key)) if key else None)
    except ValueError:
        return None


def flow_binding(request: Request[Any, Any, Any]) -> str | None:
    """A hash of who is calling, to bind a redirect-and-return flow to (RFC 9700 4.7): the
    API key presented, else the signed-in browser. None for an anonymous caller.
    """
    token = bearer_token(request)
    if token is not None:
        return hash_secret(f"flow-binding/api-key/{token}")
    browser = _session(request).get(SESSION_BROWSER)
    if isinstance(browser, str) and signed_in(request) is not None:
        return hash_secret(f"flow-binding/browser/{browser}")
    return None


#: The JSON API is exempt from the web UI's CSRF check, so there the session may only read
#: (the UI's live progress polling): a write needs a bearer key, and a forged cross-site
#: request cannot ride on the session cookie. Web forms are CSRF-checked and use the session.
_API_PREFIX = "/api/"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _session_allowed(request: Request[Any, Any, Any]) -> bool:
    return request.method in _SAFE_METHODS or not request.url.path.startswith(_API_PREFIX)


def authenticate(request: Request[Any, Any, Any], api_keys: ApiKeyService) -> UUID:
    """The caller's organisation; ``Unauthenticated`` without a valid key or session."""
    token = bearer_token(request)
    if token is not None:
        return api_keys.authenticate(token)
    session = signed_in(request) if _session_allowed(request) else None
    if session is None:
        raise Unauthenticated("a valid API key is required (Authorization: Bearer cm_...)")
    return api_keys.check_signed_in(*session)
