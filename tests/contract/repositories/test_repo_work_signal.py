"""Contract: a unit of work rings its work signal after a commit that queued outbound
messages, and only then, so the idle worker wakes whichever use case queued the work."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.ports.repositories import UnitOfWork
from tests.support.clock import session_offset

from .repository_builders import availability_message, seed


class Doorbell:
    """Counts the rings (a fake WorkSignal)."""

    def __init__(self) -> None:
        self.rings = 0

    def notify(self) -> None:
        self.rings += 1


@pytest.fixture
def bell() -> Doorbell:
    return Doorbell()


@pytest.fixture
def rung_factory(
    backend: str, bell: Doorbell, request: pytest.FixtureRequest
) -> Callable[[], UnitOfWork]:
    """A unit of work factory of the current backend that rings ``bell``."""
    engine = request.getfixturevalue(f"{backend}_engine")
    return SqlAlchemyUnitOfWorkFactory(
        engine, work_signal=bell, clock=SystemClock(session_offset())
    )


def test_a_commit_that_queued_outbound_work_rings_once_after_the_commit(rung_factory, bell):
    seeded = seed(rung_factory, active=True)
    assert bell.rings == 0  # organisations, connections: no outbound work
    with rung_factory() as uow:
        uow.outbound.add(availability_message(seeded.connection.id))
        uow.outbound.add(availability_message(seeded.connection.id))
        assert bell.rings == 0  # not before the commit: the worker would find nothing
        uow.commit()
        assert bell.rings == 1
        uow.commit()  # nothing new since
    assert bell.rings == 1


def test_rolled_back_work_does_not_ring(rung_factory, bell):
    seeded = seed(rung_factory, active=True)
    with rung_factory() as uow:
        uow.outbound.add(availability_message(seeded.connection.id))
        uow.rollback()
        uow.commit()
    with rung_factory() as uow:
        uow.outbound.add(availability_message(seeded.connection.id))
    # Left without a commit: rolled back.
    assert bell.rings == 0
    with rung_factory() as uow:
        assert uow.outbound.list() == []


def test_updating_queued_work_does_not_ring(rung_factory, bell):
    """The worker's own bookkeeping (claims, attempts) is no new work for it."""
    seeded = seed(rung_factory, active=True)
    message = availability_message(seeded.connection.id)
    with rung_factory() as uow:
        uow.outbound.add(message)
        uow.commit()
    with rung_factory() as uow:
        uow.outbound.update(message.fail_permanently("given up"))
        uow.commit()
    assert bell.rings == 1
