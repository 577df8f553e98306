"""The one place where failures become a red line on stderr and an exit code.

Expected failures (bad configuration, an unmigrated database, unknown ids, invalid input, a
channel that refuses or cannot be reached) print one readable line and no traceback. Anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Sequence
from typing import Any

import httpx
import typer
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from channel_manager.adapters.sqlalchemy import DatabaseNotMigrated
from channel_manager.application.calendar import InvalidWindow
from channel_manager.application.errors import ConnectionNotActive, InvalidRequest
from channel_manager.domain.errors import (
    ChannelError,
    CurrencyMismatch,
    DomainError,
    InvalidDateRange,
    InvalidMoney,
    MappingConflict,
    NotFound,
    UnknownRatePlan,
    UnknownRoomType,
)
from channel_manager.entrypoints.cli import context
from channel_manager.ports.vault import VaultError
from channel_manager.settings import SettingsError

# typer vendors click and re-exports only BadParameter; its bases are click's UsageError and
# ClickException (a unit test pins these names so an upgrade that moves them fails loudly).
UsageError: type[Exception] = typer.BadParameter.__mro__[1]
ClickException: type[Exception] = typer.BadParameter.__mro__[2]


class ExitCode(enum.IntEnum):
    """What the process exit status tells a script."""

    OK = 0
    FAILURE = 1
    USAGE = 2  # bad arguments, bad configuration, database not migrated, invalid input
    NOT_FOUND = 3
    CHANNEL = 4  # the channel refused the request or could not be reached


_INVALID_INPUT: tuple[type[DomainError], ...] = (
    InvalidRequest,
    InvalidDateRange,
    InvalidWindow,
    InvalidMoney,
    CurrencyMismatch,
    MappingConflict,
    UnknownRoomType,
    UnknownRatePlan,
)


def describe(error: BaseException) -> tuple[ExitCode, str] | None:
    """The exit code and message for an expected failure; ``None`` for anything else."""
    match error:
        case SettingsError():
            return ExitCode.USAGE, str(error)
        case DatabaseNotMigrated():
            return ExitCode.USAGE, str(error)
        case VaultError():
            # Vault messages never contain key material or plaintext.
            return ExitCode.USAGE, f"vault: {error}"
        case NotFound():
            return ExitCode.NOT_FOUND, str(error)
        case ChannelError():
            return ExitCode.CHANNEL, f"channel: {error}"
        case ConnectionNotActive():
            return ExitCode.FAILURE, str(error)
        case DomainError() if isinstance(error, _INVALID_INPUT):
            return ExitCode.USAGE, str(error)
        case DomainError():
            return ExitCode.FAILURE, str(error)
        case httpx.HTTPError():
            return ExitCode.CHANNEL, f"cannot reach {_request_host(error)}: {error}"
        case SQLAlchemyError():
            # The driver's own message only: SQLAlchemy's adds the statement and its parameters.
            return ExitCode.FAILURE, f"database: {getattr(error, 'orig', None) or error}"
        case OSError():
            return ExitCode.FAILURE, str(error)
    if isinstance(error, UsageError):
        return ExitCode.USAGE, _usage_message(error)
    if isinstance(error, ClickException):
        return ExitCode(getattr(error, "exit_code", 1)), _format_message(error)
    return None


def _request_host(error: httpx.HTTPError) -> str:
    try:
        return error.request.url.host or "the channel"
    except RuntimeError:  # no request attached (raised before sending)
        return "the channel"


def _format_message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message()) if callable(format_message) else str(error)


def _usage_message(error: Exception) -> str:
    context_ = getattr(error, "ctx", None)
    command = getattr(context_, "command_path", None)
    hint = f" (see `{command} --help`)" if command else ""
    return _format_message(error) + hint


def report(message: str) -> None:
    """Print ``message`` as one red line on stderr (whitespace collapsed, markup not parsed)."""
    context.err.print(Text("error: " + " ".join(message.split()), style="red"), soft_wrap=True)


class ErrorReportingGroup(TyperGroup):
    """The root command group: runs a command and turns expected failures into exit codes."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Like click's ``main``, with failures reported by :func:`describe`."""
        try:
            # Not standalone: errors come back here instead of being printed as a usage panel.
            outcome = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = outcome if isinstance(outcome, int) else ExitCode.OK
        except typer.Abort:
            report("aborted")
            code = ExitCode.FAILURE
        except Exception as error:
            described = describe(error)
            if described is None:
                raise
            code, message = described
            report(message)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)
