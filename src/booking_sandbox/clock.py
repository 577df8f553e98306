"""A wall clock the tests can move forward (token expiry, queue ages) without sleeping."""

from __future__ import annotations

import datetime as dt
import threading


class SandboxClock:
    """UTC time plus an offset that only grows; `advance` moves the sandbox into the future."""

    def __init__(self) -> None:
        self._offset = dt.timedelta()
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """The sandbox's current time (timezone-aware UTC)."""
        with self._lock:
            return dt.datetime.now(dt.UTC) + self._offset

    def today(self) -> dt.date:
        """The sandbox's current UTC date."""
        return self.now().date()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (must not be negative)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += dt.timedelta(seconds=seconds)
