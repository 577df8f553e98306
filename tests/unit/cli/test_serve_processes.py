"""`serve --processes N`: N server processes on one socket, supervised by the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from channel_manager.adapters.sqlalchemy import upgrade
from tests.e2e.harness import service_environ
from tests.support.network import free_port


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait(condition: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`serve --processes 2 --no-worker` on a migrated SQLite file; its log file."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environ = service_environ("http://127.0.0.1:9", base_url, url, {"CM_LOG_LEVEL": "INFO"})
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "channel_manager.entrypoints.cli", "serve", "--no-worker"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--processes", "2"],
            env={**os.environ, **environ},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _healthy(base_url), "the server to answer")
        yield process, base_url, log
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_two_processes_serve_one_port_and_stop_together_on_sigterm(
    two_processes: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base_url, log = two_processes
    children = _children(process.pid)
    assert len(children) == 2
    _wait(lambda: log.read_text().count("Application startup complete") == 2, "both to start")
    for _ in range(20):  # new connections each: the kernel hands them to either process
        assert httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    text = log.read_text()
    for child in children:  # each stopped gracefully (uvicorn's shutdown ran)
        assert f"Finished server process [{child}]" in text
    assert "Traceback" not in text


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_when_one_process_dies_the_others_stop_and_the_exit_code_says_so(
    two_processes: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, _base_url, log = two_processes
    killed, survivor = _children(process.pid)
    _wait(lambda: log.read_text().count("Application startup complete") == 2, "both to start")
    os.kill(killed, signal.SIGKILL)
    assert process.wait(timeout=30) == 128 + signal.SIGKILL
    assert f"Finished server process [{survivor}]" in log.read_text()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_children_do_not_outlive_a_killed_parent(
    two_processes: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, _base_url, log = two_processes
    children = _children(process.pid)
    _wait(lambda: log.read_text().count("Application startup complete") == 2, "both to start")
    process.kill()
    process.wait()
    _wait(lambda: not any(Path(f"/proc/{child}").exists() for child in children), "children")
