"""A local webhook receiver for tests and benchmarks, and the README's verification snippet.

:func:`readme_verifier` executes the Python block between the README's snippet markers, as
a reader would paste it, and returns its ``verify_webhook``: the tests check real signed
deliveries with exactly the code the README documents.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

README = Path(__file__).resolve().parents[2] / "README.md"
_SNIPPET = re.compile(
    r"<!-- webhook verification snippet[^>]*-->\s*```python\n(.*?)```\s*"
    r"<!-- end of the webhook verification snippet -->",
    re.DOTALL,
)

Verifier = Callable[..., bool]


def readme_snippet() -> str:
    """The README's verification code, exactly as written there."""
    found = _SNIPPET.search(README.read_text(encoding="utf-8"))
    assert found is not None, "the README lost its webhook verification snippet"
    return found.group(1)


def readme_verifier() -> Verifier:
    """``verify_webhook`` as the README defines it."""
    namespace: dict[str, Any] = {"__name__": "readme_snippet"}
    exec(compile(readme_snippet(), str(README), "exec"), namespace)
    verifier: Verifier = namespace["verify_webhook"]
    return verifier


@attrs.define
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes
    #: ``time.perf_counter()`` when it arrived (the benchmark's clock).
    arrived: float
    verified: bool

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that records every POST, verifies it with
    ``verify`` (when given) and answers ``status`` (204 by default)."""

    def __init__(
        self, verify: Callable[[Any, bytes], bool] | None = None, status: int = 204
    ) -> None:
        self.received: list[Received] = []
        self.status = status
        self._verify = verify
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                arrived = time.perf_counter()
                verified = receiver._verify(self.headers, body) if receiver._verify else False
                with receiver._arrived:
                    receiver.received.append(
                        Received(dict(self.headers.items()), body, arrived, verified)
                    )
                    receiver._arrived.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where to subscribe."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The first ``count`` requests, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the receiver got {len(self.received)} of {count} webhooks in {timeout} s"
                    )
                self._arrived.wait(left)
            return list(self.received[:count])
