"""The browser session and CSRF protection of the web UI.

The session is server-side: the cookie carries only a random id, so the API key a person signs
in with never leaves the server. The CSRF token is Litestar's signed double-submit cookie; its
signing secret is derived from the vault key so that a restart does not invalidate the cookies
browsers already hold (Litestar reuses a present cookie without re-checking it).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, ScopeSession

from channel_manager.container import Container
from channel_manager.settings import Settings

#: Name of the session cookie (HttpOnly, SameSite=Lax, Secure over https).
SESSION_COOKIE = "cm_session"
#: Name of the CSRF cookie; forms send the same token in ``_csrf_token``, fetch in a header.
CSRF_COOKIE = "cm_csrf"
CSRF_HEADER = "x-csrf-token"
#: A signed-in browser stays signed in this long without activity.
SESSION_LIFETIME = timedelta(hours=12)
#: Machine-to-machine paths: bearer keys, OTA push senders and the channel's redirect back.
#: They carry no browser form, so they are not CSRF-checked (the session cookie is SameSite=Lax,
#: so a cross-site form cannot ride on it there either).
CSRF_EXEMPT_PATHS = ("^/api/v1/", "^/ota/", "^/oauth/")


def is_secure(settings: Settings) -> bool:
    """True when the service is reached over https, so cookies must be ``Secure``."""
    return urlsplit(settings.public_url).scheme == "https"


def csrf_secret(settings: Settings) -> str:
    """A stable CSRF signing secret derived from the (secret) vault key configuration."""
    material = settings.vault_keys.reveal_text().encode("utf-8")
    return hmac.new(material, b"channel-manager web csrf v1", hashlib.sha256).hexdigest()


#: Scope flag set at sign-in: the session must get a new id (no session fixation).
ROTATE_SESSION = "cm.rotate_session"


def rotate_session_id(request: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Ask for a fresh session id when this response stores the session (call at sign-in)."""
    request.scope[ROTATE_SESSION] = True  # type: ignore[literal-required]


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, plus a new id on request: Litestar keeps the id a
    cookie presents, so without this an id planted before sign-in would survive it.
    """

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """A new id when rotation was asked for, else Litestar's choice."""
        if connection.scope.get(ROTATE_SESSION):
            fresh = connection.scope.get("_cm_fresh_session_id")
            if not isinstance(fresh, str):
                fresh = self.generate_session_id()
                connection.scope["_cm_fresh_session_id"] = fresh  # type: ignore[typeddict-unknown-key]
            return fresh
        return super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        """Forget the old id's data before storing under the new one."""
        old = connection.cookies.get(self.config.key)
        if connection.scope.get(ROTATE_SESSION) and old:
            await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    """Server-side session config whose backend can rotate the id."""

    _backend_class = RotatingSessionBackend


def session_config(settings: Settings) -> ServerSideSessionConfig:
    """Server-side sessions in the app's in-memory store (signing in again after a restart)."""
    return RotatingSessionConfig(
        key=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        secure=is_secure(settings),
        httponly=True,
        samesite="lax",
        renew_on_access=True,
        store="web_sessions",
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    """Litestar's CSRF check on every unsafe request outside the exempt paths."""
    return CSRFConfig(
        secret=csrf_secret(settings),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=is_secure(settings),
        # The token reaches pages through the template, never through JavaScript reading it.
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=list(CSRF_EXEMPT_PATHS),
    )


def web_middleware(container: Container, settings: Settings | None = None) -> list[Any]:
    """The session and CSRF middleware to pass to ``create_app(middleware=...)``."""
    settings = settings or container.settings()
    return [
        session_config(settings).middleware,
        DefineMiddleware(CSRFMiddleware, config=csrf_config(settings)),
    ]
