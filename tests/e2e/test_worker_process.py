"""The worker as a process: starts on a migrated database, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.adapters.vault import generate_key
from tests.support.waiting import wait_until

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


def _run_until_started_then_sigterm(command: list[str], database: Path, log: Path) -> int:
    """Start ``command``, wait until its worker logged that it started (a slow machine may
    take a while to import), let it idle through a few passes, SIGTERM it; its exit code."""
    with log.open("w") as output:
        process = subprocess.Popen(command, env=_environment(database), stderr=output, text=True)
    try:

        def started() -> bool:
            assert process.poll() is None, log.read_text()
            return bool(re.search(r"worker \S+ started", log.read_text()))

        wait_until(started, timeout=60, interval=0.1, what="the worker's start in its log")
        # Into its idle pauses: no event marks them (a pass that finds nothing logs nothing),
        # and a SIGTERM during start-up, before uvicorn's handlers, is not what this tests.
        time.sleep(1)
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_stops_the_worker_cleanly(tmp_path: Path) -> None:
    database, log = tmp_path / "cm.db", tmp_path / "worker.log"
    upgrade(f"sqlite:///{database}")

    code = _run_until_started_then_sigterm(_cli(), database, log)

    assert code == 0, log.read_text()
    assert "released 0 message(s)" in log.read_text()


def test_sigterm_stops_serve_and_its_in_process_worker_cleanly(tmp_path: Path) -> None:
    """uvicorn raises the signal again once it has stopped serving; with the default handler
    that killed the process before the worker beside it finished its item or released."""
    database, log = tmp_path / "cm.db", tmp_path / "serve.log"
    upgrade(f"sqlite:///{database}")
    command = [*_cli()[:-1], "serve", "--host", "127.0.0.1", "--port", "0"]

    code = _run_until_started_then_sigterm(command, database, log)

    assert code == 0, log.read_text()
    assert "released 0 message(s)" in log.read_text()


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
