"""Time and identity come from outside the core so that tests can control them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    """Source of the current time."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        ...


class IdGenerator(Protocol):
    """Source of new entity ids."""

    def new_id(self) -> UUID:
        """A new, unique id."""
        ...
