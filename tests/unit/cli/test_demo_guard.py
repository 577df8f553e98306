"""Commands that talk to Booking.com never go to the real hosts on the demo's database by
default: without the Booking.com URLs set they stop and say which file to source."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from channel_manager.adapters.vault import generate_key
from channel_manager.entrypoints.cli.errors import ExitCode
from channel_manager.entrypoints.demo_files import (
    BOOKING_URL_SETTINGS,
    DATABASE_FILE,
    demo_marker,
    write_marker,
)
from tests.unit.cli.conftest import Invoke, one_error_line

COMMANDS = [("serve",), ("worker", "--once"), ("sync", str(uuid4()))]


@pytest.fixture
def demo_folder(tmp_path: Path) -> Path:
    write_marker(tmp_path, ui_url="http://127.0.0.1:8000", sandbox_url="http://127.0.0.1:8099")
    return tmp_path


def _environment(folder: Path, **extra: str) -> dict[str, str]:
    return {
        "CM_DATABASE_URL": f"sqlite:///{folder / DATABASE_FILE}",
        "CM_VAULT_KEYS": generate_key(),
        **extra,
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_on_the_demo_database_without_booking_urls_the_command_refuses(
    invoke: Invoke, demo_folder: Path, command: tuple[str, ...]
) -> None:
    result = invoke(*command, env=_environment(demo_folder))

    assert result.exit_code == ExitCode.USAGE
    line = one_error_line(result)
    assert "real Booking.com" in line
    assert f"source {demo_folder / 'env'}" in line
    assert "http://127.0.0.1:8099" in line


def test_one_missing_url_is_enough_to_refuse_and_is_named(
    invoke: Invoke, demo_folder: Path
) -> None:
    urls = dict.fromkeys(BOOKING_URL_SETTINGS, "http://127.0.0.1:8099")
    del urls["CM_BOOKING_TOKEN_URL"]

    result = invoke("worker", "--once", env=_environment(demo_folder, **urls))

    line = one_error_line(result)
    assert "CM_BOOKING_TOKEN_URL" in line
    assert "CM_BOOKING_BASE_URL" not in line


def test_with_the_urls_set_or_on_another_database_the_guard_lets_it_through(
    invoke: Invoke, demo_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    urls = dict.fromkeys(BOOKING_URL_SETTINGS, "http://127.0.0.1:8099")
    elsewhere = tmp_path_factory.mktemp("not-a-demo")

    with_urls = invoke("worker", "--once", env=_environment(demo_folder, **urls))
    other = invoke("worker", "--once", env=_environment(elsewhere))

    # Both go on to open the (unmigrated) database, and stop there.
    for result in (with_urls, other):
        line = one_error_line(result)
        assert "db upgrade" in line
        assert "real Booking.com" not in line


def test_only_a_sqlite_file_beside_a_marker_is_the_demo(demo_folder: Path) -> None:
    assert demo_marker(f"sqlite:///{demo_folder / DATABASE_FILE}") is not None
    assert demo_marker(f"sqlite:///{demo_folder / 'sub' / DATABASE_FILE}") is None
    assert demo_marker("sqlite://") is None
    assert demo_marker("sqlite:///:memory:") is None
    assert demo_marker("postgresql+psycopg://cm@db/channel_manager") is None
    assert demo_marker("not a url") is None


def test_the_sandbox_refuses_a_state_file_it_cannot_use_in_one_line(
    invoke: Invoke, tmp_path: Path
) -> None:
    garbage = tmp_path / "state.json"
    garbage.write_text("{not json")

    result = invoke("sandbox", "--port", "0", "--state", str(garbage))

    assert result.exit_code == ExitCode.USAGE
    assert "not a sandbox state file" in one_error_line(result)
