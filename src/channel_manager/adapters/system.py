"""The real clock and id generator (the ports' production adapters)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        return datetime.now(UTC)


class Uuid4Generator:
    """Random (version 4) UUIDs."""

    def new_id(self) -> uuid.UUID:
        """A new random UUID."""
        return uuid.uuid4()
