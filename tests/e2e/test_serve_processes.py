"""`serve --processes N`: uvicorn's supervisor runs N server processes on one socket.

These tests start real processes (so they live here, not in tests/unit): requests in flight
finish on SIGTERM and everything exits 0; a process that dies is replaced; no server process
outlives a killed supervisor; and the worker never runs inside the N processes.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from channel_manager.adapters.sqlalchemy import upgrade
from tests.e2e.harness import PUSH_PASSWORD, PUSH_USERNAME, service_environ
from tests.support.network import free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")

COMMAND = [sys.executable, "-m", "channel_manager.entrypoints.cli", "serve"]


def _servers(pid: int) -> list[int]:
    """The server processes uvicorn spawned (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _started(log: Path, count: int) -> Callable[[], bool]:
    return lambda: log.read_text().count("Application startup complete") >= count


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`serve --processes 2` on a migrated SQLite file; its log file."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environ = service_environ("http://127.0.0.1:9", base_url, url, {"CM_LOG_LEVEL": "INFO"})
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*COMMAND, "--port", str(port), "--processes", "2"],
            env={**os.environ, **environ},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _healthy(base_url), "the server to answer")
        _wait(_started(log, 2), "both processes to start")
        yield process, base_url, log
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _half_sent_push(base_url: str) -> tuple[socket.socket, bytes]:
    """A connection a server has accepted (a first request answered on it) that then sent the
    head and half the body of a push: a request in flight. Returns it and the rest to send."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=30)
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(65536)
    head, _, received = answer.partition(b"\r\n\r\n")
    length = int(
        next(
            line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        ).split(b":")[1]
    )
    while len(received) < length:
        received += connection.recv(65536)
    body = b"<not-a-complete-OTA-message/>" * 4
    credentials = base64.b64encode(f"{PUSH_USERNAME}:{PUSH_PASSWORD}".encode()).decode()
    push_head = (
        "POST /ota/booking/reservations HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Basic {credentials}\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    connection.sendall(push_head + body[:10])
    return connection, body[10:]


def test_sigterm_lets_requests_in_flight_finish_then_every_process_exits_0(
    two_processes: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base_url, log = two_processes
    servers = _servers(process.pid)
    assert len(servers) == 2
    for _ in range(20):  # new connections each: the kernel hands them to either process
        assert httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200
    connection, rest = _half_sent_push(base_url)
    time.sleep(0.5)  # the server reads the head before the signal comes
    process.send_signal(signal.SIGTERM)
    _wait(lambda: "Waiting for connections to close" in log.read_text(), "the server to wait")
    assert process.poll() is None  # still running: a request is in flight
    connection.sendall(rest)
    answer = connection.recv(65536)
    connection.close()
    assert answer.startswith(b"HTTP/1.1 ")  # answered, not cut off
    assert process.wait(timeout=60) == 0
    text = log.read_text()
    for server in servers:  # each stopped gracefully (uvicorn's shutdown ran)
        assert f"Finished server process [{server}]" in text
    assert "Traceback" not in text


def test_a_process_that_dies_is_replaced(
    two_processes: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base_url, log = two_processes
    killed, survivor = _servers(process.pid)
    os.kill(killed, signal.SIGKILL)
    _wait(
        lambda: len(_servers(process.pid)) == 2 and killed not in _servers(process.pid), "a new one"
    )
    _wait(_started(log, 3), "the replacement to start")
    assert survivor in _servers(process.pid)
    assert httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def test_no_server_process_outlives_a_killed_supervisor(
    two_processes: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, _base_url, _log = two_processes
    servers = _servers(process.pid)
    process.kill()
    process.wait()
    _wait(lambda: not any(Path(f"/proc/{server}").exists() for server in servers), "servers")


def test_the_worker_is_refused_inside_several_processes(tmp_path: Path) -> None:
    """Scheduled syncs and the outbound queue must not run N times: `channel-manager worker`."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    environ = service_environ("http://127.0.0.1:9", "http://127.0.0.1:9", url)
    done = subprocess.run(
        [*COMMAND, "--processes", "2", "--workers-in-process"],
        env={**os.environ, **environ},
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"channel-manager worker" in done.stderr
