"""Rate plan row locks on PostgreSQL: a plan held exclusively (a derived plan being created
from it, or a child's modifier changing) makes a calendar write of it wait, and shared holds
(calendar writes) never wait for each other. ``lock_timeout`` turns a wait into an error, so
the test needs no sleep."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.application.plan_families import PlanFamilies
from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.calendar import CalendarNight
from channel_manager.domain.money import Money
from channel_manager.domain.pricing import PriceModifier
from tests.support.clock import session_offset

from .repository_builders import new_rate_plan, seed

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


def test_a_calendar_write_of_a_parent_waits_for_a_child_being_derived_then_sees_it(
    postgres_engine,
):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory)
    parent = seeded.rate_plan
    child = attrs.evolve(
        new_rate_plan(seeded.property.id, code="NR"),
        parent_rate_plan_id=parent.id,
        modifier=PriceModifier.of_percent("-10"),
    )
    night = CalendarNight(
        seeded.unit.id, parent.id, date(2031, 3, 10), DayValues(rate=Money.of("100", "EUR"))
    )

    with factory() as creating:  # what RatePlanService.create holds until it commits
        creating.rate_plans.lock([parent.id], exclusive=True)
        creating.rate_plans.add(child)
        with factory() as writing:
            _impatient(writing)
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                PlanFamilies(writing).lock([night])
        creating.commit()
    with factory() as writing:
        families = PlanFamilies(writing)
        families.lock([night])
        [derived] = families.children_of([night])
    assert (derived.rate_plan_id, derived.values.rate) == (child.id, Money.of("90.00", "EUR"))
