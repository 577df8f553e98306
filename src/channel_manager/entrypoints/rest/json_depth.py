"""Refuse deeply nested JSON bodies before anything parses them.

msgspec (Litestar's decoder) recurses once per nesting level: a body of a few thousand ``[``
raises ``RecursionError`` inside the decoder, which used to be answered with a 500, before the
API key was even looked at. The middleware below counts the nesting of every JSON body as it
streams in (a handful of regex matches per chunk, no parsing) and stops the request with a 400
as soon as it goes deeper than :data:`MAX_JSON_DEPTH`, so the decoder never sees it.

Which bodies are JSON: everything under the JSON API (Litestar decodes a handler's ``data`` as
JSON whatever the ``Content-Type`` says, unless it is a form), and anything sent elsewhere with a
JSON media type. Forms and the OTA push endpoint's XML are left alone.
"""

from __future__ import annotations

import re

from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

#: Deeper than any body the API accepts (mappings, the deepest, nest five levels).
MAX_JSON_DEPTH = 32

_API_PREFIX = "/api/"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: The only bytes that change the nesting or the string state of a JSON text.
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


class JsonTooDeep(ClientException):
    """A JSON body nests deeper than :data:`MAX_JSON_DEPTH` (answered with 400)."""


class JsonDepthCounter:
    """The nesting depth of a JSON text fed in chunks (strings and escapes understood)."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        self.limit = limit
        self.depth = 0
        self._in_string = False
        self._escaped = False  # the chunk ended inside a string right after a backslash

    def feed(self, chunk: bytes) -> None:
        """Count ``chunk``; ``JsonTooDeep`` as soon as the depth passes the limit."""
        start = 0
        if self._escaped and chunk:
            self._escaped = False
            start = 1  # the escaped byte, whatever it is
        position = start
        while True:
            match = _STRUCTURE.search(chunk, position)
            if match is None:
                return
            byte = match.group()
            position = match.end()
            if self._in_string:
                if byte == b"\\":
                    if position >= len(chunk):
                        self._escaped = True
                        return
                    position += 1  # skip the escaped byte
                elif byte == b'"':
                    self._in_string = False
            elif byte == b'"':
                self._in_string = True
            elif byte in (b"[", b"{"):
                self.depth += 1
                if self.depth > self.limit:
                    raise JsonTooDeep(f"the JSON body nests deeper than {self.limit} levels")
            elif byte in (b"]", b"}"):
                self.depth -= 1


def _is_json_body(scope: Scope) -> bool:
    media_type = ""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media_type = value.decode("latin-1").split(";", 1)[0].strip().lower()
            break
    if media_type in _FORM_TYPES:
        return False
    if media_type == "application/json" or media_type.endswith("+json"):
        return True
    return str(scope.get("path", "")).startswith(_API_PREFIX)


class JsonDepthMiddleware(ASGIMiddleware):
    """Wraps ``receive`` of JSON requests with a :class:`JsonDepthCounter`."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Pass the request on; its body is counted as the handler reads it."""
        if not _is_json_body(scope):
            await next_app(scope, receive, send)
            return
        counter = JsonDepthCounter()

        async def counted() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.request":
                counter.feed(message.get("body", b""))
            return message

        await next_app(scope, counted, send)
