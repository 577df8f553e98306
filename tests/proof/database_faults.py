"""Database failures for R1: a unit-of-work factory that makes a seeded share of commits fail.

The wrapper sits where the container's ``uow_factory`` sits, so the product cannot tell it from
the real one. Two kinds of failure, drawn with one seeded generator:

- *before* the commit: the transaction is rolled back by the unit of work on leaving its
  block, as when the server goes away mid-transaction. Nothing the caller wrote may remain.
- *after* the commit: the data is durable but the caller is told it failed, as when the
  connection drops between ``COMMIT`` and its answer. The caller must treat the outcome as
  unknown and redeliver; the ledger has to see the redelivery as a duplicate.

Only units of work that touch the reservation store, the message log or the push inbox are
failed: those are the import path under test (push receiver, push inbox applier and poll).
Failing the worker's scheduling commits as well would only park the connection behind its
two-minute claim lease, which is the designed recovery for a dead worker and would stall the
test rather than prove anything about delivery.
"""

from __future__ import annotations

import enum
import random
import threading
from types import TracebackType
from typing import Any, Self

import attrs
import sqlalchemy.exc

from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: The repositories whose units of work are failed (see the module docstring).
IMPORT_REPOSITORIES = frozenset({"reservations", "message_log", "push_inbox"})


class Fault(enum.Enum):
    """What happens to one commit."""

    NONE = "none"
    BEFORE_COMMIT = "before"
    AFTER_COMMIT = "after"


def injected_error(fault: Fault) -> sqlalchemy.exc.OperationalError:
    """The driver error a lost server connection raises (what SQLAlchemy wraps it in)."""
    reason = ConnectionError(f"injected database failure ({fault.value} commit)")
    return sqlalchemy.exc.OperationalError("COMMIT", None, reason)


@attrs.define
class FaultPlan:
    """Seeded draws of failures at ``rate``; counts what it did. Off until :meth:`arm`."""

    rate: float
    seed: int
    armed: bool = False
    commits: int = 0
    failed: dict[Fault, int] = attrs.field(factory=dict)
    _rng: random.Random = attrs.field(init=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def __attrs_post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def arm(self) -> None:
        """Start failing commits."""
        self.armed = True

    def disarm(self) -> None:
        """Stop failing commits (setup and the final checks run without faults)."""
        self.armed = False

    def draw(self) -> Fault:
        """The fate of the next eligible commit."""
        with self._lock:
            if not self.armed:
                return Fault.NONE
            self.commits += 1
            if self._rng.random() >= self.rate:
                return Fault.NONE
            fault = self._rng.choice((Fault.BEFORE_COMMIT, Fault.AFTER_COMMIT))
            self.failed[fault] = self.failed.get(fault, 0) + 1
            return fault

    @property
    def total_failed(self) -> int:
        """Commits failed so far (either kind)."""
        return sum(self.failed.values())


class FlakyUnitOfWork:
    """Delegates to the real unit of work; its commit may fail as the plan says."""

    def __init__(self, inner: UnitOfWork, plan: FaultPlan) -> None:
        self._inner = inner
        self._plan = plan
        self._touched: set[str] = set()

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, traceback)

    def __getattr__(self, name: str) -> Any:
        """The repositories (and anything else) of the real unit of work, noting which."""
        self._touched.add(name)
        return getattr(self._inner, name)

    def commit(self) -> None:
        """Commit, unless the plan fails this one before or after the real commit."""
        fault = self._plan.draw() if self._touched & IMPORT_REPOSITORIES else Fault.NONE
        if fault is Fault.BEFORE_COMMIT:
            raise injected_error(fault)
        self._inner.commit()
        if fault is Fault.AFTER_COMMIT:
            raise injected_error(fault)

    def rollback(self) -> None:
        """Roll back the real transaction."""
        self._inner.rollback()


class FlakyUnitOfWorkFactory:
    """Makes :class:`FlakyUnitOfWork` around the real factory's units of work."""

    def __init__(self, inner: UnitOfWorkFactory, plan: FaultPlan) -> None:
        self.inner = inner
        self.plan = plan

    def __call__(self) -> FlakyUnitOfWork:
        """A new, unopened unit of work."""
        return FlakyUnitOfWork(self.inner(), self.plan)

    def __getattr__(self, name: str) -> Any:
        """Whatever else the real factory offers (its engine, for instance)."""
        return getattr(self.inner, name)
