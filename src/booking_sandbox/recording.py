"""Records every API request (secrets masked) into the state, for tests to assert on.

Admin calls under `/_sandbox/` are not recorded, so the log shows only what a client of the
real API would have sent.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_sandbox.model import RecordedRequest
from booking_sandbox.state import SandboxState

MASK = "***"
SECRET_FIELDS = frozenset(
    {"client_secret", "password", "refresh_token", "access_token", "token", "code_verifier", "jwt"}
)
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
_CARD = re.compile(r'(CardNumber|SeriesCode)="[^"]*"')


def mask_headers(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers as a dict; credentials keep only their scheme (`Bearer ***`)."""
    masked: dict[str, str] = {}
    for raw_key, raw_value in headers:
        key, value = raw_key.decode("latin-1").lower(), raw_value.decode("latin-1")
        if key in _SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} {MASK}".strip()
        masked[key] = value
    return masked


def mask_body(body: bytes, content_type: str) -> str:
    """The body as text with secret JSON/form fields and card numbers replaced by `***`."""
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            payload = json.loads(text)
        except ValueError:
            return text
        if isinstance(payload, dict):
            payload = {k: MASK if k in SECRET_FIELDS else v for k, v in payload.items()}
        return json.dumps(payload, ensure_ascii=False)
    if "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(text, keep_blank_values=True)
        return urlencode([(k, MASK if k in SECRET_FIELDS else v) for k, v in pairs])
    return _CARD.sub(rf'\1="{MASK}"', text)


class RecordingMiddleware:
    """Buffers each request body, records the masked request, then replays it to the app."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = mask_headers(scope["headers"])
        self.state.record(
            RecordedRequest(
                at=self.state.clock.now(),
                method=scope["method"],
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,
                body=mask_body(body, headers.get("content-type", "")),
            )
        )
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
