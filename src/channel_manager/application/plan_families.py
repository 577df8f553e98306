"""Rate plans and the plans derived from them, as one calendar write meets them (see
:meth:`~channel_manager.application.calendar_fanout.CalendarPublisher.write`)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from channel_manager.domain.calendar import CalendarNight
from channel_manager.domain.derived import check_direct_values, child_nights
from channel_manager.domain.inventory import RatePlan
from channel_manager.ports.repositories import UnitOfWork


class PlanFamilies:
    """Rate plans and their derived children, read once per unit of work as nights name them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._plans: dict[UUID, RatePlan] = {}
        self._children: dict[UUID, list[RatePlan]] = {}

    def lock(self, nights: Sequence[CalendarNight]) -> None:
        """Share-lock the plans ``nights`` name before their children are read: a plan being
        derived from one of them, or a child's modifier being changed, holds the parent's row
        exclusively, so this write either sees that change committed or goes first."""
        self._uow.rate_plans.lock({n.rate_plan_id for n in nights if n.rate_plan_id})

    def plan(self, rate_plan_id: UUID) -> RatePlan:
        """The rate plan (and every plan of its property, read with it)."""
        if rate_plan_id not in self._plans:
            property_id = self._uow.rate_plans.get(rate_plan_id).property_id
            plans = self._uow.rate_plans.list_by_property(property_id)
            self._plans.update((plan.id, plan) for plan in plans)
            for plan in plans:
                self._children.setdefault(plan.id, [])
            for plan in plans:
                if plan.parent_rate_plan_id is not None:
                    self._children[plan.parent_rate_plan_id].append(plan)
        return self._plans[rate_plan_id]

    def children(self, rate_plan_id: UUID) -> list[RatePlan]:
        """The plans derived from the plan."""
        self.plan(rate_plan_id)
        return self._children[rate_plan_id]

    def check_direct(self, night: CalendarNight) -> None:
        """Refuse values of ``night`` that its (derived) plan takes from its parent."""
        assert night.rate_plan_id is not None
        plan = self.plan(night.rate_plan_id)
        if plan.parent_rate_plan_id is not None:
            parent = self.plan(plan.parent_rate_plan_id)
            check_direct_values(night.values, plan, parent.name)

    def children_of(self, nights: Sequence[CalendarNight]) -> list[CalendarNight]:
        """What the nights of parent plans among ``nights`` set on their children."""
        derived: list[CalendarNight] = []
        for plan_id in dict.fromkeys(n.rate_plan_id for n in nights if n.rate_plan_id):
            assert plan_id is not None
            for child in self.children(plan_id):
                derived.extend(child_nights(nights, child))
        return derived
