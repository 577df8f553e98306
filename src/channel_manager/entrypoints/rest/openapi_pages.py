"""The OpenAPI document, served as JSON only, with the web pages' security headers.

Litestar's default OpenAPI pages (Swagger UI, ReDoc, Stoplight Elements, RapiDoc) load their
scripts, styles and favicon from public CDNs: a page on our origin running third-party code
(a CDN compromise would run in the signed-in user's session), and none of them carried the
security headers every other page has. We serve the document only (``/openapi.json``,
``/schema`` and ``/schema/openapi.json``); any OpenAPI viewer can open it from there. The
middleware below gives those answers the same headers as the web UI's pages.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from channel_manager.entrypoints.web.rendering import SECURITY_HEADERS

#: Where Litestar serves the OpenAPI router (``OpenAPIConfig.path``).
SCHEMA_PATH = "/schema"
OPENAPI_JSON_PATH = "/openapi.json"
#: The one render plugin: the JSON document, at ``/schema`` and ``/schema/openapi.json``.
RENDER_PLUGINS: list[OpenAPIRenderPlugin] = [JsonRenderPlugin(path=["/", "/openapi.json"])]

_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


def _is_openapi(path: str) -> bool:
    return path in {OPENAPI_JSON_PATH, SCHEMA_PATH} or path.startswith(SCHEMA_PATH + "/")


class OpenApiHeadersMiddleware(ASGIMiddleware):
    """Adds :data:`SECURITY_HEADERS` to the OpenAPI answers (the pages' own set)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Pass the request on; the answer's start gets the headers it lacks."""
        if not _is_openapi(str(scope.get("path", ""))):
            await next_app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in _HEADERS if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await next_app(scope, receive, with_headers)
