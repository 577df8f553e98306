"""``serve`` closes connections whose request does not arrive in time (issue 12 §5).

The attack: uvicorn waited forever for a request head, so idle or half-sent connections (or a
head trickled a byte at a time) were held for good; 130 of them starved a server limited to
128 file descriptors. These tests run uvicorn with the deadline protocol on a real socket, with
deadlines of a fraction of a second.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope

from channel_manager.entrypoints.http_guard import deadline_protocol
from tests.support.waiting import wait_until

HEADER_TIMEOUT, BODY_TIMEOUT = 0.4, 0.6
#: Connections one address may hold open in these tests.
PER_ADDRESS = 3
#: Long enough for any deadline above to have passed several times over.
PATIENCE = 5.0


async def app(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    """Reads the whole body, waits ``?slow`` seconds (longer than any deadline), answers."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = bool(message.get("more_body"))
    if scope["query_string"] == b"slow":
        await asyncio.sleep(HEADER_TIMEOUT + BODY_TIMEOUT)
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        http=deadline_protocol(HEADER_TIMEOUT, BODY_TIMEOUT, max_per_address=PER_ADDRESS),
        log_config=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=PATIENCE, interval=0.01, what="the server started")
    (listener,) = server.servers[0].sockets
    yield int(listener.getsockname()[1])
    server.should_exit = True
    thread.join(PATIENCE)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)


def _closed_by_server_after(sock: socket.socket, trickle: bytes = b"") -> float:
    """Seconds until the server closed ``sock`` (sending ``trickle`` a byte at a time)."""
    started = time.monotonic()
    sock.settimeout(0.05)
    pending = bytearray(trickle)
    while time.monotonic() - started < PATIENCE:
        if pending:
            try:
                sock.sendall(bytes(pending[:1]))
            except OSError:
                return time.monotonic() - started
            del pending[:1]
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    return PATIENCE


def _request(sock: socket.socket, raw: bytes) -> bytes:
    sock.sendall(raw)
    sock.settimeout(PATIENCE)
    answer = b""
    while not answer.endswith(b"ok"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer


GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    with _connect(port) as sock:
        assert _closed_by_server_after(sock) < PATIENCE


def test_a_half_sent_head_is_closed_however_slowly_it_trickles(port: int) -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 400
    with _connect(port) as sock:
        waited = _closed_by_server_after(sock, head)
    # Trickling every 50 ms would never finish within PATIENCE: the deadline closed it.
    assert HEADER_TIMEOUT <= waited < PATIENCE


def test_a_body_that_stops_coming_is_closed(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        assert _closed_by_server_after(sock) < PATIENCE


def test_complete_requests_and_slow_answers_are_served_on_one_connection(port: int) -> None:
    with _connect(port) as sock:
        assert _request(sock, GET).startswith(b"HTTP/1.1 200")
        # Answering takes longer than both deadlines: an answer has none.
        slow = b"POST /?slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
        assert _request(sock, slow).startswith(b"HTTP/1.1 200")
        assert _request(sock, GET).startswith(b"HTTP/1.1 200")


def test_the_next_head_on_a_kept_alive_connection_has_a_deadline_too(port: int) -> None:
    with _connect(port) as sock:
        assert _request(sock, GET).startswith(b"HTTP/1.1 200")
        waited = _closed_by_server_after(sock, b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 400)
    assert waited < PATIENCE


def _connect_from(source: str, port: int) -> socket.socket:
    """A connection from another loopback address (Linux routes all of 127.0.0.0/8 locally)."""
    return socket.create_connection(
        ("127.0.0.1", port), timeout=PATIENCE, source_address=(source, 0)
    )


def test_one_address_hoarding_connections_cannot_keep_the_others_out(port: int) -> None:
    """The review's attack: one host kept hundreds of half-sent requests open (reopening them
    before each deadline), and since every open connection counts towards
    ``--limit-concurrency``, every other client got 503. An address beyond its share of
    connections is closed at once; other addresses are served."""
    hoard = [_connect_from("127.0.0.2", port) for _ in range(PER_ADDRESS)]
    try:
        with _connect_from("127.0.0.2", port) as one_too_many:
            assert _closed_by_server_after(one_too_many) < HEADER_TIMEOUT
        with _connect(port) as sock:
            assert _request(sock, GET).startswith(b"HTTP/1.1 200")
    finally:
        for sock in hoard:
            sock.close()

    # Their share is back once they let go (the server sees the closes shortly after).
    def served_again() -> bool:
        with _connect_from("127.0.0.2", port) as again:
            return _request(again, GET).startswith(b"HTTP/1.1 200")

    wait_until(served_again, timeout=PATIENCE, what="the address got its connections back")
