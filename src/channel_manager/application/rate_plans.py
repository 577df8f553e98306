"""Rate plans, plain and derived (issue 18): the use cases behind ``/api/v1/rate-plans``, the
rates page's small form and ``channel-manager rate-plans``.

A derived plan's nights are computed from its parent's stored nights (from the property's
today on) when it is created and whenever its modifier or inheritance changes, stored and
published where it is mapped, in the transaction that saves the plan. Later changes of the
parent reach it through :meth:`CalendarPublisher.write`.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import attrs

from channel_manager.application.ari import MAX_DAYS_AHEAD
from channel_manager.application.calendar_fanout import CalendarPublisher
from channel_manager.application.inventory import checked_name
from channel_manager.application.outbox import AriOutbox
from channel_manager.application.scoping import owned_property
from channel_manager.domain.derived import (
    InvalidParent,
    amount_text,
    check_parent,
    child_nights,
    describe,
)
from channel_manager.domain.errors import InvalidValue, NotFound
from channel_manager.domain.inventory import Property, RatePlan, local_today
from channel_manager.domain.pricing import PriceModifier
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

#: The longest rate plan code (the column's width).
MAX_CODE_LENGTH = 64


@attrs.frozen(kw_only=True)
class RatePlanInput:
    """A new rate plan; ``parent_rate_plan_id`` and ``modifier`` make it derived."""

    property_id: UUID
    name: str
    code: str | None = None
    parent_rate_plan_id: UUID | None = None
    modifier: PriceModifier | None = None
    inherit_restrictions: bool = True


@attrs.frozen(kw_only=True)
class RatePlanChange:
    """What ``PATCH`` may change; ``None`` leaves a value as it is."""

    name: str | None = None
    modifier: PriceModifier | None = None
    inherit_restrictions: bool | None = None


@attrs.frozen(kw_only=True)
class RatePlanView:
    """A rate plan as it is shown: a derived one names its parent and its modifier."""

    plan: RatePlan
    parent_name: str | None
    #: The property's currency: an amount modifier is written with its decimals.
    currency: str

    @property
    def modifier_text(self) -> str:
        """``-10%``, ``+5.00``; empty for a plan that is not derived."""
        return describe(self.plan, self.currency)

    @property
    def modifier_value(self) -> str:
        """The modifier's number as a form shows it (``-10``, ``-20.00``); empty if none."""
        modifier = self.plan.modifier
        if modifier is None:
            return ""
        if modifier.percent is not None:
            return str(modifier.percent)
        assert modifier.amount is not None
        return str(amount_text(modifier.amount, self.currency))

    @property
    def description(self) -> str:
        """``Non-refundable: Standard -10%`` for a derived plan, else its name."""
        if self.plan.modifier is None or self.parent_name is None:
            return self.plan.name
        return f"{self.plan.name}: {self.parent_name} {self.modifier_text}"


class RatePlanService:
    """Creates, lists and changes rate plans, scoped to one organisation."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, ids: IdGenerator, outbox: AriOutbox, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._ids = ids
        self._publisher = CalendarPublisher(outbox)
        self._clock = clock

    def create(self, organization_id: UUID, data: RatePlanInput) -> RatePlanView:
        """Add a rate plan; a derived one gets its nights from its parent's at once."""
        if (data.parent_rate_plan_id is None) != (data.modifier is None):
            raise InvalidValue("a derived rate plan needs both parent_rate_plan_id and modifier")
        name = checked_name(data.name, "rate plan")
        with self._uow_factory() as uow:
            prop = owned_property(uow, organization_id, data.property_id)
            parent = None
            if data.parent_rate_plan_id is not None:
                parent = _owned_plan(uow, organization_id, data.parent_rate_plan_id)
                # Held until commit: a calendar write of the parent waits, then derives
                # this child too (see PlanFamilies.lock).
                uow.rate_plans.lock([parent.id], exclusive=True)
                check_parent(parent, prop.id)
            plan = RatePlan(
                id=self._ids.new_id(),
                property_id=prop.id,
                name=name,
                code=self._code(uow, prop, data.code, name),
                parent_rate_plan_id=data.parent_rate_plan_id,
                modifier=data.modifier,
                inherit_restrictions=data.inherit_restrictions,
            )
            uow.rate_plans.add(plan)
            if parent is not None:
                self._derive(uow, organization_id, prop, plan)
            uow.commit()
        return RatePlanView(
            plan=plan, parent_name=None if parent is None else parent.name, currency=prop.currency
        )

    def list(self, organization_id: UUID, property_id: UUID) -> list[RatePlanView]:
        """A property's rate plans by name, derived ones naming their parent."""
        with self._uow_factory() as uow:
            prop = owned_property(uow, organization_id, property_id)
            plans = uow.rate_plans.list_by_property(property_id)
        names = {plan.id: plan.name for plan in plans}
        return [
            RatePlanView(
                plan=plan,
                parent_name=None
                if plan.parent_rate_plan_id is None
                else names.get(plan.parent_rate_plan_id),
                currency=prop.currency,
            )
            for plan in plans
        ]

    def update(
        self, organization_id: UUID, rate_plan_id: UUID, change: RatePlanChange
    ) -> RatePlanView:
        """Rename a plan, or change a derived plan's modifier or inheritance (its nights are
        then computed again from its parent's and published)."""
        with self._uow_factory() as uow:
            plan = _owned_plan(uow, organization_id, rate_plan_id)
            if plan.parent_rate_plan_id is not None:
                # As in create: a write of the parent and this change never interleave.
                uow.rate_plans.lock([plan.parent_rate_plan_id], exclusive=True)
                plan = uow.rate_plans.get(rate_plan_id)  # as committed by whoever went first
            derivation = change.modifier is not None or change.inherit_restrictions is not None
            if derivation and not plan.is_derived:
                raise InvalidParent(
                    f"rate plan {plan.name!r} is not derived: it has no modifier or restrictions"
                    " to inherit (create a derived plan with parent_rate_plan_id instead)"
                )
            updated = attrs.evolve(
                plan,
                name=plan.name if change.name is None else checked_name(change.name, "rate plan"),
                modifier=plan.modifier if change.modifier is None else change.modifier,
                inherit_restrictions=plan.inherit_restrictions
                if change.inherit_restrictions is None
                else change.inherit_restrictions,
            )
            uow.rate_plans.update(updated)
            rederive = (updated.modifier, updated.inherit_restrictions) != (
                plan.modifier,
                plan.inherit_restrictions,
            )
            prop = uow.properties.get(plan.property_id)
            if rederive:
                self._derive(uow, organization_id, prop, updated)
            parent_name = None
            if updated.parent_rate_plan_id is not None:
                parent_name = uow.rate_plans.get(updated.parent_rate_plan_id).name
            uow.commit()
        return RatePlanView(plan=updated, parent_name=parent_name, currency=prop.currency)

    def _derive(
        self, uow: UnitOfWork, organization_id: UUID, prop: Property, plan: RatePlan
    ) -> int:
        """Store and publish ``plan``'s nights computed from its parent's stored nights from
        the property's today on; how many nights were derived."""
        today = local_today(self._clock.now(), prop.timezone)
        units = [unit.id for unit in uow.units.list_by_property(prop.id)]
        stored = uow.calendar.window(units, today, today + timedelta(days=MAX_DAYS_AHEAD))
        nights = list(child_nights(stored, plan))
        if nights:
            self._publisher.write_derived(uow, organization_id, nights)
        return len(nights)

    def _code(self, uow: UnitOfWork, prop: Property, code: str | None, name: str) -> str:
        """The code given (checked), or one made from the name, unique in the property."""
        taken = {plan.code for plan in uow.rate_plans.list_by_property(prop.id)}
        if code is not None:
            cleaned = code.strip()
            if not cleaned or len(cleaned) > MAX_CODE_LENGTH:
                raise InvalidValue(f"a rate plan code has 1 to {MAX_CODE_LENGTH} characters")
            if cleaned in taken:
                raise InvalidValue(f"rate plan code {cleaned!r} is already used in {prop.name!r}")
            return cleaned
        base = "".join(c if c.isalnum() else "-" for c in name.upper()).strip("-")[:56] or "PLAN"
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        return candidate


def _owned_plan(uow: UnitOfWork, organization_id: UUID, rate_plan_id: UUID) -> RatePlan:
    """The rate plan if it is the organisation's; ``NotFound`` otherwise (never "forbidden":
    another organisation's ids do not exist for the caller)."""
    try:
        plan = uow.rate_plans.get(rate_plan_id)
        owned_property(uow, organization_id, plan.property_id)
    except NotFound:
        raise NotFound("rate plan", rate_plan_id) from None
    return plan
