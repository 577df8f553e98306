"""Fault injection: make chosen endpoints slow, fail, throttle, garble or drop the connection.

Kinds: `latency` (sleep `delay` s, then answer normally), `timeout` (hold the request until the
client gives up, at most `delay` s, default 120), `5xx` (`status`, default 503), `429` (with
`Retry-After: retry_after`), `malformed` (200 with a truncated body), `reset` (headers sent,
then the connection is closed: httpx raises RemoteProtocolError), `warning` (a successful OTA
answer gets an extra `<Warnings>` block). A rule fires for the next `count` matching calls, or
for a `fraction` of them (seeded PRNG), or for every call until cleared. `endpoint` is an exact
path, a prefix ending in `*`, or `*` for every API path; `/_sandbox/*` is never faulted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
from collections.abc import Callable
from typing import Any

from attrs import asdict, define
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_sandbox.clock import SandboxClock
from booking_sandbox.responses import error_response

KINDS = frozenset({"latency", "timeout", "5xx", "429", "malformed", "reset", "warning"})
_WARNING = (
    b'<Warnings><Warning Type="3" Code="450" Status="Warning" '
    b'ShortText="sandbox: injected warning">sandbox: injected warning</Warning></Warnings>'
)


class UnknownFaultError(ValueError):
    """`inject` was given a kind or parameters the injector does not know."""


@define
class FaultRule:
    """One injected fault and how often it still fires."""

    endpoint: str
    kind: str
    count: int | None = None
    fraction: float | None = None
    status: int = 503
    retry_after: int = 1
    delay: float = 0.5
    fired: int = 0

    def matches(self, path: str) -> bool:
        """Does this rule cover `path`?"""
        if self.endpoint == "*":
            return True
        if self.endpoint.endswith("*"):
            return path.startswith(self.endpoint[:-1])
        return path == self.endpoint


class FaultInjector:
    """Holds fault rules; the middleware asks it on every API request."""

    def __init__(self, seed: int = 1, clock: Callable[[], dt.datetime] | None = None) -> None:
        self._rng = random.Random(seed)
        self.clock = clock or SandboxClock().now
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def inject(
        self,
        endpoint: str,
        kind: str,
        count: int | None = None,
        fraction: float | None = None,
        status: int = 503,
        retry_after: int = 1,
        delay: float | None = None,
    ) -> FaultRule:
        """Add a rule; later rules are checked first."""
        if kind not in KINDS:
            raise UnknownFaultError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
        if fraction is not None and not 0 < fraction <= 1:
            raise UnknownFaultError("fraction must be in (0, 1]")
        if count is not None and count < 1:
            raise UnknownFaultError("count must be at least 1")
        if kind == "5xx" and not 500 <= status <= 599:
            raise UnknownFaultError("status for a 5xx fault must be 500-599")
        default_delay = 120.0 if kind == "timeout" else 0.5
        rule = FaultRule(
            endpoint, kind, count, fraction, status, retry_after, delay or default_delay
        )
        with self._lock:
            self._rules.insert(0, rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[dict[str, Any]]:
        """Current rules as plain dicts (for the admin endpoint)."""
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def take(self, path: str) -> FaultRule | None:
        """The rule that fires for this call, if any (consumes one of its `count`)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(path):
                    continue
                if rule.fraction is not None and self._rng.random() >= rule.fraction:
                    continue
                rule.fired += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                return rule
        return None


class FaultMiddleware:
    """ASGI middleware applying the injector's rules to API paths."""

    def __init__(self, app: ASGIApp, faults: FaultInjector) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        rule = self.faults.take(path)
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind == "latency":
            await asyncio.sleep(rule.delay)
            await self.app(scope, receive, send)
        elif rule.kind == "timeout":
            await _hold_until_disconnect(receive, rule.delay)
            await error_response(
                path, 504, 448, "sandbox: injected timeout", now=self.faults.clock()
            )(scope, receive, send)
        elif rule.kind == "5xx":
            response = error_response(
                path, rule.status, 448, "sandbox: injected server error", now=self.faults.clock()
            )
            await response(scope, receive, send)
        elif rule.kind == "429":
            response = error_response(
                path,
                429,
                429,
                "too many requests",
                {"Retry-After": str(rule.retry_after)},
                now=self.faults.clock(),
            )
            await response(scope, receive, send)
        elif rule.kind == "malformed":
            await _send_malformed(path, send)
        elif rule.kind == "reset":
            # Start the response, then return without finishing it: uvicorn closes the
            # transport, which the client sees as a dropped connection mid-response.
            await send({"type": "http.response.start", "status": 200, "headers": []})
        else:
            await self.app(scope, receive, _WarningInjector(send))


async def _hold_until_disconnect(receive: Receive, limit: float) -> None:
    async def wait() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(wait(), timeout=limit)
    except TimeoutError:
        return


async def _send_malformed(path: str, send: Send) -> None:
    if path.startswith("/connections-api/") or path.startswith("/token"):
        body, media = b'{"meta": {"ruid": "', b"application/json"
    else:
        body, media = b"<?xml version='1.0'?><Broken><Success>", b"application/xml"
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _WarningInjector:
    """Wraps `send` to add a Warnings block after `<Success/>` in a buffered XML body."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._start: Message | None = None
        self._body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        self._body += message.get("body", b"")
        if message.get("more_body"):
            return
        body = self._body.replace(b"<Success/>", b"<Success/>" + _WARNING, 1)
        assert self._start is not None
        headers = [(k, v) for k, v in self._start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self._send({**self._start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body})
