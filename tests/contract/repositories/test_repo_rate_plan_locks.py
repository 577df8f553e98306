"""Rate plan row locks on PostgreSQL: a plan held exclusively (a derived plan being created
from it, or a child's modifier changing) makes a calendar write of it wait, and shared holds
(calendar writes) never wait for each other. ``lock_timeout`` turns a wait into an error, so
the test needs no sleep."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from tests.support.clock import session_offset

from .repository_builders import seed

pytestmark = pytest.mark.postgres


def _impatient(uow) -> None:
    # The unit of work keeps its connection private; a test may reach in to set a timeout.
    uow._connection.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))


def test_an_exclusive_hold_makes_a_shared_one_wait_and_shared_ones_do_not(postgres_engine):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    plan = seed(factory).rate_plan.id

    with factory() as first, factory() as second:
        first.rate_plans.lock([plan])
        _impatient(second)
        second.rate_plans.lock([plan])  # shared and shared: no wait
    with factory() as holder:
        holder.rate_plans.lock([plan], exclusive=True)
        with factory() as writer:
            _impatient(writer)
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                writer.rate_plans.lock([plan])
        holder.commit()
    with factory() as writer:
        _impatient(writer)
        writer.rate_plans.lock([plan])  # free again once the holder committed
