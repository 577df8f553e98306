"""The real clock and id generator (the ports' production adapters)."""

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


def utc_now() -> datetime:
    """The unshifted current time, timezone-aware UTC: the default of adapters built without a
    clock (the container always passes its own)."""
    return datetime.now(UTC)


class Uuid4Generator:
    """Random (version 4) UUIDs."""

    def new_id(self) -> uuid.UUID:
        """A new random UUID."""
        return uuid.uuid4()
