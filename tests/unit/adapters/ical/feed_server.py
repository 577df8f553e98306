"""A small feed server on 127.0.0.1 for the fetch tests, run in a thread of the test process.

Routes: ``/feed`` (a calendar with an ``ETag``, 304 to a matching ``If-None-Match``),
``/redirect?to=<url>``, ``/chain/<n>`` (n redirects, then the feed), ``/loop/a`` <-> ``/loop/b``,
``/big?length=<n>&declare=0|1``, ``/status/<code>``, ``/login`` (an HTML page), ``/slow``
(answers only once the test is over). Every request's path and headers are recorded in
:attr:`FeedServer.requests`.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.unit.adapters.ical.samples import AIRBNB

ETAG = '"v1-airbnb"'
LAST_MODIFIED = "Fri, 15 Jan 2027 09:00:00 GMT"


class FeedServer(ThreadingHTTPServer):
    """The server; ``release`` lets the ``/slow`` requests finish."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        self.scheme = "http"
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer

    def handle(self) -> None:
        # A client that refused our test certificate hangs up mid-request.
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            super().handle()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows failures, not every request."""

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers.items())))
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        parts = [part for part in url.path.split("/") if part]
        match parts:
            case ["feed"]:
                if self.headers.get("If-None-Match") == ETAG:
                    self._send(304, headers={"ETag": ETAG})
                else:
                    self._send(
                        200,
                        AIRBNB,
                        {
                            "Content-Type": "text/calendar; charset=utf-8",
                            "ETag": ETAG,
                            "Last-Modified": LAST_MODIFIED,
                        },
                    )
            case ["login"]:  # what a feed URL gone stale answers at some senders
                self._send(200, b"<!DOCTYPE html><html><body>Log in</body></html>")
            case ["redirect"]:
                self._send(302, headers={"Location": query["to"]})
            case ["chain", count]:
                left = int(count)
                location = f"/chain/{left - 1}" if left > 1 else "/feed"
                self._send(307, headers={"Location": location})
            case ["loop", "a"]:
                self._send(301, headers={"Location": "/loop/b"})
            case ["loop", "b"]:
                self._send(301, headers={"Location": f"{self.server.base}/loop/a"})
            case ["big"]:
                length = int(query["length"])
                if query.get("declare") == "1":
                    self._send(200, b"x" * length)
                else:  # no Content-Length: the body ends when the connection closes
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for _ in range(length // 1000 + 1):
                        self.wfile.write(b"x" * 1000)
                    self.close_connection = True
            case ["status", code]:
                headers = {"Retry-After": query["retry_after"]} if "retry_after" in query else {}
                self._send(int(code), b"nope", headers)
            case ["slow"]:
                self.server.release.wait(30)
                self._send(200, AIRBNB)
            case _:
                self._send(404, b"not found")


def start(tls: ssl.SSLContext | None = None) -> tuple[FeedServer, threading.Thread]:
    """A running server (https with ``tls``) and its thread (stop with :func:`stop`)."""
    server = FeedServer(tls)
    # A short poll interval: shutdown() returns within it, so each test stops its server fast.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="feed-server", daemon=True
    )
    thread.start()
    return server, thread


def stop(server: FeedServer, thread: threading.Thread) -> None:
    """Let slow requests finish, then stop the server."""
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(10)
