"""The browser session and CSRF protection of the web UI.

Sessions are server-side, in the database (:mod:`channel_manager.application.web_sessions`):
the cookie carries only a random id, every process and a restarted one knows it, and only a
sign-in creates one (a cookieless request, ``/healthz`` or an API call stores nothing). The
session holds the organisation, never a key.

A signed-in session carries its own CSRF token: forms and fetches must echo it, so a token
from another session (or a planted cookie) is refused. Before sign-in, the sign-in forms use
Litestar's signed double-submit cookie, whose secret is derived from the vault key so that a
restart does not invalidate the cookies browsers already hold.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Message, Receive, Scope, ScopeSession, Send
from litestar.utils.dataclass import extract_dataclass_items
from litestar.utils.scope.state import ScopeState

from channel_manager.application.web_sessions import SESSION_LIFETIME
from channel_manager.container import Container
from channel_manager.entrypoints.rest.auth import (
    SESSION_API_KEY,
    SESSION_BROWSER,
    SESSION_CSRF,
    SESSION_ORGANIZATION,
)
from channel_manager.entrypoints.web.session_store import DatabaseSessionStore
from channel_manager.settings import Settings

#: Name of the session cookie (HttpOnly, SameSite=Lax, Secure over https).
SESSION_COOKIE = "cm_session"
#: Name of the CSRF cookie of the sign-in forms; forms send the token in ``_csrf_token``,
#: fetch in a header.
CSRF_COOKIE = "cm_csrf"
CSRF_HEADER = "x-csrf-token"
#: Machine-to-machine paths: bearer keys, OTA push senders and the channel's redirect back.
#: They carry no browser form, so they are not CSRF-checked (the session cookie is SameSite=Lax,
#: so a cross-site form cannot ride on it there either).
CSRF_EXEMPT_PATHS = ("^/api/v1/", "^/ota/", "^/oauth/", "^/ical/")
#: What a session id looks like (32 random bytes in hex); anything else is ignored unread.
_SESSION_ID = re.compile(r"[0-9a-f]{64}")
#: Scope keys: the session data as loaded (to store only a change), and a rotation request.
_LOADED = "cm.session_loaded"
ROTATE_SESSION = "cm.rotate_session"


def is_secure(settings: Settings) -> bool:
    """True when the service is reached over https, so cookies must be ``Secure``."""
    return urlsplit(settings.http.public_url).scheme == "https"


def csrf_secret(settings: Settings) -> str:
    """A stable CSRF signing secret derived from the (secret) vault key configuration."""
    material = settings.vault.keys.reveal_text().encode("utf-8")
    return hmac.new(material, b"channel-manager web csrf v1", hashlib.sha256).hexdigest()


def start_session(
    connection: ASGIConnection[Any, Any, Any, Any],
    organization_id: UUID,
    api_key_id: UUID | None,
) -> None:
    """Sign this browser in: a fresh session under a fresh id (nothing from before carries
    over, and an id planted beforehand, session fixation, is worthless), with its own CSRF
    token and browser id.
    """
    connection.scope[ROTATE_SESSION] = True  # type: ignore[literal-required]
    connection.set_session(
        {
            SESSION_ORGANIZATION: str(organization_id),
            SESSION_API_KEY: None if api_key_id is None else str(api_key_id),
            SESSION_CSRF: secrets.token_urlsafe(32),
            SESSION_BROWSER: secrets.token_urlsafe(32),
        }
    )


def _cookie_id(connection: ASGIConnection[Any, Any, Any, Any], key: str) -> str | None:
    value = connection.cookies.get(key)
    return value if value and _SESSION_ID.fullmatch(value) else None


class WebSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, changed where they must be:

    - only a signed-in session is stored: an anonymous request sets no cookie and no row;
    - the data is written only when it changed (or the id is new), not on every request;
    - an id the server did not issue for this sign-in is never adopted (no fixation).
    """

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        """The session of the cookie's id, or an empty one."""
        session_id = _cookie_id(connection, self.config.key)
        data = None
        if session_id is not None:
            data = await self.get(
                session_id, self.config.get_store_from_app(connection.scope["app"])
            )
        connection.scope[_LOADED] = data  # type: ignore[literal-required]
        return {} if data is None else self.deserialize_data(data)

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The id this response stores the session under: the cookie's for a loaded
        session, else (sign-in, or nothing loaded) one fresh id per request.
        """
        current = _cookie_id(connection, self.config.key)
        scope = connection.scope
        if current is not None and scope.get(_LOADED) is not None and not scope.get(ROTATE_SESSION):
            return current
        fresh = scope.get("cm.fresh_session_id")
        if not isinstance(fresh, str):
            fresh = self.generate_session_id()
            scope["cm.fresh_session_id"] = fresh  # type: ignore[typeddict-unknown-key]
        return fresh

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        """Store a signed-in session and set its cookie; forget anything else."""
        scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        presented = _cookie_id(connection, self.config.key)
        if not (isinstance(scope_session, dict) and scope_session.get(SESSION_ORGANIZATION)):
            if presented is not None:
                await self.delete(presented, store=store)
            if self.config.key in connection.cookies:
                expired = Cookie(value="", key=self.config.key, expires=0, **cookie_params)
                headers.add("Set-Cookie", expired.to_header(header=""))
            return
        session_id = self.get_session_id(connection)
        data = self.serialize_data(scope_session, scope)
        if session_id != presented or data != scope.get(_LOADED):
            await self.set(session_id=session_id, data=data, store=store)
        if presented is not None and presented != session_id:
            await self.delete(presented, store=store)
        cookie = Cookie(value=session_id, key=self.config.key, **cookie_params)
        headers.add("Set-Cookie", cookie.to_header(header=""))


@dataclass
class WebSessionConfig(ServerSideSessionConfig):
    """Server-side session config over a given store (the database), not an app-named one."""

    _backend_class = WebSessionBackend
    session_store: Store | None = field(default=None)

    def get_store_from_app(self, app: Any) -> Store:
        """The configured store (the app's named one when none was given)."""
        return (
            self.session_store
            if self.session_store is not None
            else super().get_store_from_app(app)
        )


def session_config(settings: Settings, store: Store | None = None) -> WebSessionConfig:
    """Sessions in ``store`` (the database's), 12 hours from the last activity."""
    return WebSessionConfig(
        key=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        secure=is_secure(settings),
        httponly=True,
        samesite="lax",
        renew_on_access=True,
        session_store=store,
    )


class SessionCsrfMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, with the token of a signed-in session taken from the session:
    a token is good for the session it was issued to only, whatever cookie the browser holds.
    Anonymous forms (sign-in) keep the signed double-submit cookie.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check unsafe requests against the session's token, or Litestar's cookie."""
        session = scope.get("session")
        bound = session.get(SESSION_CSRF) if isinstance(session, dict) else None
        if (
            scope["type"] != ScopeType.HTTP
            or not isinstance(bound, str)
            or should_bypass_middleware(
                scope=scope,
                scopes=self.scopes,
                exclude_opt_key=self.config.exclude_from_csrf_key,
                exclude_path_pattern=self.exclude,
            )
        ):
            await super().__call__(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        if request.method not in self.config.safe_methods:
            submitted = request.headers.get(self.config.header_name)
            content_type, _ = request.content_type
            if not submitted and content_type in {
                RequestEncodingType.URL_ENCODED,
                RequestEncodingType.MULTI_PART,
            }:
                submitted = (await request.form()).get("_csrf_token")
            if not isinstance(submitted, str) or not hmac.compare_digest(submitted, bound):
                raise PermissionDeniedException("CSRF token verification failed")
        ScopeState.from_scope(scope).csrf_token = bound
        await self.app(scope, receive, send)


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
        session_config(settings, DatabaseSessionStore(container.web_sessions())).middleware,
        DefineMiddleware(SessionCsrfMiddleware, config=csrf_config(settings)),
    ]
