"""The real clock and id generator (the ports' production adapters).

The container builds one :class:`SystemClock` and hands it to every adapter that needs the time;
no adapter falls back on a clock of its own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta


class SystemClock:
    """Wall-clock time in UTC, shifted by ``offset`` (``CM_CLOCK_OFFSET``; zero in production).

    The offset lets tests and demos run the whole service on another day (the first of a month,
    29 February, the night of a clock change) while time still passes at its normal pace. Every
    process given the same offset reads the same time.
    """

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        return datetime.now(UTC) + self.offset


class Uuid4Generator:
    """Random (version 4) UUIDs."""

    def new_id(self) -> uuid.UUID:
        """A new random UUID."""
        return uuid.uuid4()
