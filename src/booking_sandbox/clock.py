"""A wall clock the tests can move forward (token expiry, queue ages) without sleeping."""

from __future__ import annotations

import datetime as dt
import os
import threading

#: Seconds to shift the sandbox's clock by when its config does not say (tests run the sandbox
#: and our service on one shifted time: ``CM_CLOCK_OFFSET`` for ours, this for the sandbox).
CLOCK_OFFSET_ENV = "BOOKING_SANDBOX_CLOCK_OFFSET"


def offset_from_env() -> float:
    """``$BOOKING_SANDBOX_CLOCK_OFFSET`` in seconds (0 when unset)."""
    value = os.environ.get(CLOCK_OFFSET_ENV, "").strip()
    return float(value) if value else 0.0


class SandboxClock:
    """UTC time plus an offset that only grows; `advance` moves the sandbox into the future.

    ``start_offset`` (seconds, may be negative) sets where the clock starts relative to the
    real time: the sandbox can live on the last day of a month or on 29 February.
    """

    def __init__(self, start_offset: float = 0.0) -> None:
        self._offset = dt.timedelta(seconds=start_offset)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """The sandbox's current time (timezone-aware UTC)."""
        with self._lock:
            return dt.datetime.now(dt.UTC) + self._offset

    def today(self) -> dt.date:
        """The sandbox's current UTC date."""
        return self.now().date()

    @property
    def offset_seconds(self) -> float:
        """How far (in seconds) the sandbox's clock is ahead of the real one (kept on restart)."""
        with self._lock:
            return self._offset.total_seconds()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (must not be negative)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += dt.timedelta(seconds=seconds)
