"""A clock tests can move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """Starts at a fixed instant; ``advance`` moves it forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The current (test) time."""
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.current += delta
