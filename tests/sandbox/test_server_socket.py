"""The sandbox and the service under test listen on pre-bound sockets: those must carry
TCP_NODELAY (accepted connections inherit it), or uvicorn's separate header and body writes
wait for the client's delayed ACK and every answer takes ~40 ms longer than it should.
"""

from __future__ import annotations

import socket

from booking_sandbox.server import SandboxServer
from tests.e2e.harness import free_socket


def test_the_sandbox_listens_with_tcp_nodelay() -> None:
    with SandboxServer(seed=1) as sandbox:
        with socket.create_connection(("127.0.0.1", sandbox.port)) as client:
            client.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: sandbox\r\n\r\n")
            assert client.recv(64).startswith(b"HTTP/1.1 200")
        listening = sandbox._socket  # the option lives on the listener
        assert listening is not None
        assert listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_the_service_harness_socket_has_tcp_nodelay() -> None:
    with free_socket() as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
