"""The worker loop outlives a database failure while claiming work.

Claiming due polls and syncs is the first thing each pass does; when that commit fails (the
server restarting, SQLite's lock held too long) the pass must be skipped and the loop go on, as
it already does for a failed poll, sync or dispatch. Found by the R1 delivery proof: before,
the exception left ``Worker.run`` and a worker process exited on the first database blip.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import TracebackType
from typing import Any, Self

import sqlalchemy.exc

from channel_manager.entrypoints.worker.loop import Worker
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory
from tests.support.containers import app_container
from tests.support.waiting import eventually


class FailingCommits:
    """A unit-of-work factory whose first ``failures`` commits raise a driver error."""

    def __init__(self, inner: UnitOfWorkFactory, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.commits = 0

    def __call__(self) -> _Uow:
        return _Uow(self.inner(), self)


class _Uow:
    def __init__(self, inner: UnitOfWork, owner: FailingCommits) -> None:
        self._inner = inner
        self._owner = owner

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
        return getattr(self._inner, name)

    def commit(self) -> None:
        self._owner.commits += 1
        if self._owner.commits <= self._owner.failures:
            raise sqlalchemy.exc.OperationalError("COMMIT", None, ConnectionError("server gone"))
        self._inner.commit()


def test_a_failed_claim_skips_the_pass_and_the_worker_goes_on() -> None:
    container = app_container()
    claims = FailingCommits(container.uow_factory(), failures=2)
    worker = Worker(
        claims,
        container.sync(),
        container.dispatcher(),
        container.clock(),
        "worker-under-test",
        idle_wait=timedelta(milliseconds=10),
    )

    async def run_briefly() -> None:
        running = asyncio.create_task(worker.run())
        # It goes on claiming after the failures.
        await eventually(lambda: claims.commits > claims.failures + 2)
        worker.stopping.set()
        await asyncio.wait_for(running, timeout=10)

    asyncio.run(run_briefly())

    assert claims.commits > claims.failures + 2  # it went on claiming after the failures
