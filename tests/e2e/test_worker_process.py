"""The worker as a process: starts on a migrated database, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.adapters.vault import generate_key

pytestmark = pytest.mark.e2e


def _environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CM_DATABASE_URL": f"sqlite:///{database}",
        "CM_VAULT_KEYS": generate_key(),
        "CM_LOG_LEVEL": "INFO",
    }


def _cli() -> list[str]:
    return [sys.executable, "-m", "channel_manager.entrypoints.cli", "worker"]


def test_sigterm_stops_the_worker_cleanly(tmp_path: Path) -> None:
    database = tmp_path / "cm.db"
    upgrade(f"sqlite:///{database}")
    worker = subprocess.Popen(_cli(), env=_environment(database), stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # let it start and idle through a few passes
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    log = worker.stderr.read() if worker.stderr else ""
    assert code == 0, log
    assert "released 0 message(s)" in log


def test_sigterm_stops_serve_and_its_in_process_worker_cleanly(tmp_path: Path) -> None:
    """uvicorn raises the signal again once it has stopped serving; with the default handler
    that killed the process before the worker beside it finished its item or released."""
    database = tmp_path / "cm.db"
    upgrade(f"sqlite:///{database}")
    command = [*_cli()[:-1], "serve", "--host", "127.0.0.1", "--port", "0"]
    server = subprocess.Popen(
        command, env=_environment(database), stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(3)  # let it start and the worker idle through a few passes
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
    log = server.stderr.read() if server.stderr else ""
    assert code == 0, log
    assert "released 0 message(s)" in log


def test_the_worker_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = subprocess.run(
        _cli(),
        env=_environment(tmp_path / "empty.db"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "channel-manager db upgrade" in result.stderr
