"""The command tree and the one mapping from failures to exit codes."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
import typer

from channel_manager.adapters.sqlalchemy import DatabaseNotMigrated
from channel_manager.application.errors import ConnectionNotActive, InvalidRequest
from channel_manager.domain.errors import (
    InvalidTransition,
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
    UnknownRoomType,
)
from channel_manager.entrypoints.cli import context
from channel_manager.entrypoints.cli.errors import (
    ClickException,
    ExitCode,
    UsageError,
    describe,
)
from channel_manager.ports.vault import InvalidVaultKey
from channel_manager.settings import SettingsError
from tests.unit.cli.conftest import Invoke, one_error_line

#: DESIGN §7: `channel-manager --help` lists all of these.
DESIGN_COMMANDS = (
    "demo",
    "serve",
    "worker",
    "db",
    "sandbox",
    "connections",
    "sync",
    "ari",
    "pushes",
    "keys",
    "api-keys",
)


def test_help_lists_every_command_of_the_design(invoke: Invoke) -> None:
    result = invoke("--help")

    assert result.exit_code == 0
    listed = {line.strip("│ ").split(" ")[0] for line in result.stdout.splitlines()}
    assert set(DESIGN_COMMANDS) <= listed


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ("db", ("upgrade", "current")),
        ("pushes", ("list", "retry")),
        ("keys", ("generate", "rotate")),
        ("api-keys", ("create", "revoke", "list")),
        ("reservations", ("list", "show")),
        ("mappings", ("show",)),
        ("connections", ("list",)),
        ("ari", ("push",)),
    ],
)
def test_each_group_lists_its_subcommands(invoke: Invoke, group: str, commands: tuple[str]) -> None:
    result = invoke(group, "--help")

    assert result.exit_code == 0
    listed = {line.strip("│ ").split(" ")[0] for line in result.stdout.splitlines()}
    assert set(commands) <= listed


@pytest.mark.parametrize(
    "command",
    [("serve",), ("worker",), ("sandbox",), ("demo",), ("sync",), ("ari", "push")],
)
def test_every_command_documents_itself(invoke: Invoke, command: tuple[str, ...]) -> None:
    result = invoke(*command, "--help")

    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout


def test_serve_offers_tls_and_the_in_process_worker_switch(invoke: Invoke) -> None:
    result = invoke("serve", "--help")

    for option in ("--ssl-certfile", "--ssl-keyfile", "--host", "--port", "--no-worker"):
        assert option in result.stdout


def test_an_unknown_command_is_one_usage_line(invoke: Invoke) -> None:
    result = invoke("frobnicate")

    assert result.exit_code == ExitCode.USAGE
    assert "frobnicate" in one_error_line(result)


def test_the_click_exception_bases_are_the_ones_we_catch() -> None:
    # typer vendors click; if it ever moves these, the error mapping must follow.
    assert UsageError.__name__ == "UsageError"
    assert ClickException.__name__ == "ClickException"
    assert issubclass(typer.BadParameter, UsageError)


def _connect_error() -> httpx.ConnectError:
    request = httpx.Request("POST", "https://supply-xml.booking.com/hotels/ota/")
    return httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    ("error", "code", "fragment"),
    [
        (SettingsError(["CM_SYNC_INTERVAL: 'x' is not a duration"]), ExitCode.USAGE, "CM_SYNC"),
        (DatabaseNotMigrated("run `channel-manager db upgrade`"), ExitCode.USAGE, "db upgrade"),
        (InvalidVaultKey("entry 1: vault key is not valid base64"), ExitCode.USAGE, "vault: "),
        (InvalidRequest("no changes given"), ExitCode.USAGE, "no changes"),
        (UnknownRoomType("R9"), ExitCode.USAGE, "'R9'"),
        (NotFound("connection", "c-1"), ExitCode.NOT_FOUND, "connection c-1 not found"),
        (RetryableChannelError("503", timedelta(seconds=5)), ExitCode.CHANNEL, "channel: 503"),
        (PermanentChannelError("392", "bad room"), ExitCode.CHANNEL, "392: bad room"),
        (_connect_error(), ExitCode.CHANNEL, "supply-xml.booking.com"),
        (ConnectionNotActive("connection is revoked"), ExitCode.FAILURE, "revoked"),
        (InvalidTransition("push", "pending", "pending"), ExitCode.FAILURE, "cannot move"),
        (typer.BadParameter("nope"), ExitCode.USAGE, "nope"),
        (FileNotFoundError(2, "No such file", "cert.pem"), ExitCode.FAILURE, "cert.pem"),
    ],
)
def test_expected_failures_map_to_an_exit_code_and_a_message(
    error: Exception, code: ExitCode, fragment: str
) -> None:
    described = describe(error)
    assert described is not None
    assert described[0] == code
    assert fragment in described[1]


def test_a_bug_is_not_an_expected_failure() -> None:
    assert describe(KeyError(uuid4())) is None
    assert describe(ZeroDivisionError()) is None


def test_a_bug_keeps_its_traceback(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(context, "get_container", broken)

    result = invoke("pushes", "list")

    assert isinstance(result.exception, ZeroDivisionError)
    assert "error:" not in result.stderr
