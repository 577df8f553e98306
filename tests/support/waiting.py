"""Waiting for something to happen: poll a condition until a deadline, never a bare sleep.

A test that sleeps "long enough" is slow on an idle machine and flaky on a busy one. These
helpers return as soon as the condition holds, and fail with what was awaited when the
deadline passes.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ConditionTimeoutError(AssertionError):
    """A condition the test waited for did not come true in time."""


def describe(condition: Callable[..., object]) -> str:
    """The condition's source (a lambda's text), else its name, for the failure message."""
    try:
        source = inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return getattr(condition, "__qualname__", repr(condition))
    return source if len(source) <= 200 else source[:197] + "..."


def wait_until(
    condition: Callable[[], T | None],
    *,
    timeout: float = 10,
    interval: float = 0.05,
    what: str | None = None,
) -> T:
    """Call ``condition()`` every ``interval`` seconds until it returns something truthy, and
    return that; raise :class:`ConditionTimeoutError` naming ``what`` (or the condition's
    source) once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            awaited = what or describe(condition)
            raise ConditionTimeoutError(f"not within {timeout} s: {awaited}")
        time.sleep(interval)


async def eventually(
    condition: Callable[[], T | None],
    *,
    timeout: float = 10,
    interval: float = 0.01,
    what: str | None = None,
) -> T:
    """:func:`wait_until` for a test on an event loop: the loop runs between polls."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            awaited = what or describe(condition)
            raise ConditionTimeoutError(f"not within {timeout} s: {awaited}")
        await asyncio.sleep(interval)
