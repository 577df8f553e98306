"""The shared in-memory store behind the in-memory unit of work.

Each unit of work sees the committed tables through its own overlay of uncommitted changes;
``commit`` applies the overlay, ``rollback`` drops it. Claims (the in-memory ``SKIP LOCKED``)
are row locks held by one open unit of work until it commits or rolls back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from channel_manager.domain.errors import NotFound
from channel_manager.ports.errors import DuplicateRecord

V = TypeVar("V")

#: Seconds a unit of work waits for a row another one locked (a deadlock would hang).
ROW_LOCK_TIMEOUT = 10.0


class RowLockTimeoutError(RuntimeError):
    """A row stayed locked by another unit of work (in one thread: a deadlock)."""


_DELETED = object()


class InMemoryStore:
    """Committed tables, shared by every unit of work of one factory."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        #: Notified whenever a unit of work releases its claims (row locks).
        self.released = threading.Condition(self.lock)
        self.tables: dict[str, dict[Hashable, object]] = {}
        #: (table, key) -> the unit of work holding the claim.
        self.claims: dict[tuple[str, Hashable], object] = {}

    def table(self, name: str) -> dict[Hashable, object]:
        """The committed rows of ``name`` (created empty on first use)."""
        with self.lock:
            return self.tables.setdefault(name, {})


class TableView(Generic[V]):
    """One unit of work's view of a table: committed rows plus its own changes."""

    def __init__(self, store: InMemoryStore, name: str, kind: str, owner: object) -> None:
        self._store = store
        self._name = name
        self._kind = kind
        self._owner = owner
        self._changes: dict[Hashable, object] = {}

    def find(self, key: Hashable) -> V | None:
        """The row under ``key`` as this unit of work sees it, or None."""
        if key in self._changes:
            value = self._changes[key]
            return None if value is _DELETED else value  # type: ignore[return-value]
        with self._store.lock:
            return self._store.table(self._name).get(key)  # type: ignore[return-value]

    def get(self, key: Hashable) -> V:
        """The row under ``key``; NotFound when there is none."""
        found = self.find(key)
        if found is None:
            raise NotFound(self._kind, key)
        return found

    def insert(self, key: Hashable, value: V) -> None:
        """Add a row; DuplicateRecord when ``key`` exists."""
        if self.find(key) is not None:
            raise DuplicateRecord(self._kind, key)
        self._changes[key] = value

    def replace(self, key: Hashable, value: V) -> None:
        """Overwrite an existing row; NotFound when there is none."""
        self.get(key)
        self._changes[key] = value

    def put(self, key: Hashable, value: V) -> None:
        """Insert or overwrite."""
        self._changes[key] = value

    def delete(self, key: Hashable) -> None:
        """Remove the row if present."""
        self._changes[key] = _DELETED

    def values(self) -> list[V]:
        """Every row as this unit of work sees it (unordered)."""
        with self._store.lock:
            merged = dict(self._store.table(self._name))
        merged.update(self._changes)
        return [value for value in merged.values() if value is not _DELETED]  # type: ignore[misc]

    def all_keys(self) -> list[Hashable]:
        """Every key as this unit of work sees it (unordered)."""
        with self._store.lock:
            merged = dict(self._store.table(self._name))
        merged.update(self._changes)
        return [key for key, value in merged.items() if value is not _DELETED]

    def select(self, where: Callable[[V], bool]) -> Iterator[V]:
        """Rows for which ``where`` holds."""
        return (value for value in self.values() if where(value))

    def try_claim(self, key: Hashable) -> bool:
        """Lock the row for this unit of work unless another one holds it (SKIP LOCKED)."""
        with self._store.lock:
            holder = self._store.claims.setdefault((self._name, key), self._owner)
            return holder is self._owner

    def lock_row(self, key: Hashable, timeout: float = ROW_LOCK_TIMEOUT) -> None:
        """Lock the row for this unit of work, waiting while another one holds it (``SELECT
        ... FOR UPDATE``); :class:`RowLockTimeoutError` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._store.released:
            while True:
                holder = self._store.claims.setdefault((self._name, key), self._owner)
                if holder is self._owner:
                    return
                self._wait(deadline, key)

    def wait_for_row(self, key: Hashable, timeout: float = ROW_LOCK_TIMEOUT) -> None:
        """Wait while another unit of work holds the row (an ``UPDATE`` of a locked row)."""
        deadline = time.monotonic() + timeout
        with self._store.released:
            while self._store.claims.get((self._name, key), self._owner) is not self._owner:
                self._wait(deadline, key)

    def _wait(self, deadline: float, key: Hashable) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RowLockTimeoutError(f"{self._kind} {key} stayed locked by another unit of work")
        self._store.released.wait(left)

    def apply(self) -> None:
        """Write this view's changes into the committed table (caller holds the lock)."""
        table = self._store.table(self._name)
        for key, value in self._changes.items():
            if value is _DELETED:
                table.pop(key, None)
            else:
                table[key] = value
        self._changes.clear()

    def discard(self) -> None:
        """Forget this view's changes."""
        self._changes.clear()
