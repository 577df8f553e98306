"""The demo's data folder: an env file a shell can source to drive the demo with the CLI, and a
marker that keeps CLI commands on the demo's database away from the real Booking.com.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from booking_sandbox.config import SandboxConfig
from booking_sandbox.server import SandboxServer
from channel_manager.domain.errors import DomainError
from channel_manager.entrypoints.demo import DemoSetup, demo_environment, prepare_demo
from channel_manager.entrypoints.demo_files import SANDBOX_STATE_FILE
from tests.support.clock import session_offset_seconds

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _shell(
    script: str, env_file: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in sh with no CM_ setting of the test run (``. ENV_FILE`` first if given);
    ``cm`` is the command line."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CM_")}
    environ["CM_CLOCK_OFFSET"] = session_offset_seconds()
    environ.update(extra)
    cm = f'"{sys.executable}" -m channel_manager.entrypoints.cli'
    source = f'. "{env_file}" && ' if env_file is not None else ""
    return subprocess.run(
        ["/bin/sh", "-c", source + script.replace("cm ", cm + " ")],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, DemoSetup, str]:
    """The demo prepared in ``tmp_path/demo`` (data folder) as `channel-manager demo` does."""
    directory = tmp_path / "demo"
    directory.mkdir()
    config = SandboxConfig(state_path=directory / SANDBOX_STATE_FILE)
    with SandboxServer(config=config) as sandbox:
        environment = demo_environment(directory, _free_port(), sandbox.base_url)
        setup = prepare_demo(directory, environment, sandbox)
        url = sandbox.base_url
    return directory, setup, url


def test_the_env_file_points_the_cli_at_the_demo(demo: tuple[Path, DemoSetup, str]) -> None:
    directory, setup, sandbox_url = demo
    env_file = directory / "env"

    listed = _shell('cm properties list --organization "Demo Hotels"', env_file)
    found = _shell(f"cm sync {uuid4()}", env_file)
    where = _shell('echo "$CM_BOOKING_BASE_URL $DEMO_SANDBOX_URL $CM_DATABASE_URL"', env_file)

    assert listed.returncode == 0, listed.stderr
    names = [p.name for p in setup.container.inventory().list_properties(setup.organization.id)]
    assert names
    assert all(name in listed.stdout for name in names)
    # Past the demo guard (the Booking.com URLs are the sandbox's): only the id is unknown.
    assert found.returncode == 3, found.stderr
    assert "not found" in found.stderr
    assert where.stdout.split() == [sandbox_url, sandbox_url, setup.settings.database.url]
    assert env_file.stat().st_mode & 0o077 == 0  # it holds the vault key and push password
    assert setup.env_file == env_file


def test_the_data_folder_keeps_what_the_readme_says(demo: tuple[Path, DemoSetup, str]) -> None:
    directory, setup, sandbox_url = demo

    marker = json.loads((directory / "demo.json").read_text())
    assert marker["sandbox_url"] == sandbox_url
    assert marker["env_file"] == str(directory / "env")
    assert (directory / "sandbox" / "state.json").exists()
    password = (directory / "push.password").read_text().strip()
    assert setup.settings.push.password is not None
    assert setup.settings.push.password.reveal_text() == password
    assert (directory / "push.password").stat().st_mode & 0o077 == 0
    assert f"CM_PUSH_PASSWORD={password}" in (directory / "env").read_text()


def test_without_the_env_file_a_command_that_calls_booking_refuses(
    demo: tuple[Path, DemoSetup, str],
) -> None:
    directory, setup, _ = demo
    only_database: dict[str, Any] = {
        "CM_DATABASE_URL": setup.settings.database.url,
        "CM_VAULT_KEYS": setup.settings.vault.keys.reveal_text(),
    }

    synced = _shell(f"cm sync {uuid4()}", **only_database)
    read = _shell('cm properties list --organization "Demo Hotels"', **only_database)

    assert synced.returncode == 2, synced.stderr
    assert "CM_BOOKING_BASE_URL" in synced.stderr
    assert "real Booking.com" in synced.stderr
    assert f"source {directory / 'env'}" in synced.stderr
    assert read.returncode == 0, read.stderr  # reading our own database needs no channel


def test_the_demo_properties_live_in_their_hotels_time_zones(
    demo: tuple[Path, DemoSetup, str],
) -> None:
    _directory, setup, _url = demo

    zones = {
        p.name: p.timezone
        for p in setup.container.inventory().list_properties(setup.organization.id)
    }

    assert zones  # the demo seeds two of the sandbox's hotels
    # Each in its city's zone (seed 1's first hotels are in Amsterdam and London), not UTC.
    assert "UTC" not in zones.values(), zones


def test_a_restart_leaves_only_the_printed_key_working(
    demo: tuple[Path, DemoSetup, str],
) -> None:
    directory, first, _url = demo
    config = SandboxConfig(state_path=directory / SANDBOX_STATE_FILE)
    with SandboxServer(config=config) as sandbox:  # the demo started again on its folder
        environment = demo_environment(directory, _free_port(), sandbox.base_url)
        again = prepare_demo(directory, environment, sandbox)

    keys = again.container.api_keys()
    active = [k for k in keys.list(again.organization.id) if k.is_active and k.name == "demo"]

    assert [k.id for k in active] == [again.key.record.id]
    assert keys.authenticate(again.key.plaintext) == again.organization.id
    with pytest.raises(DomainError):
        keys.authenticate(first.key.plaintext)  # the earlier run's key stopped working
