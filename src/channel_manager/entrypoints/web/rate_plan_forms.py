"""The rates page's small rate plan form (issue 18): add a plan derived from another plan of
the property (plus or minus a percentage or an amount), and change a derived plan's modifier
or whether it inherits its parent's restrictions. Both go back to the rates page; a bad value
is answered with the site's error page and its reason (422), nothing saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, post
from litestar.response import Redirect

from channel_manager.application.ari import AriChangeInput
from channel_manager.application.mapping_views import HotelView
from channel_manager.application.rate_plans import (
    RatePlanChange,
    RatePlanInput,
    RatePlanService,
    RatePlanView,
)
from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.derived import check_direct_values
from channel_manager.domain.money import Money
from channel_manager.domain.pricing import PriceModifier, modifier_of
from channel_manager.entrypoints.web.common import FormData, FormError, notify, see_other, text

#: The modifier kinds the form offers.
_KINDS = ("percent", "amount")


def parse_modifier(form: FormData) -> PriceModifier:
    """``kind`` (percent or amount) and ``value`` ("-10", "5.00") as a modifier."""
    kind = text(form, "kind") or "percent"
    if kind not in _KINDS:
        raise FormError("Modifier must be a percent or an amount")
    value = text(form, "value")
    if value is None:
        raise FormError("Modifier needs a value, for example -10 (percent) or 5.00 (amount)")
    return modifier_of(value, None) if kind == "percent" else modifier_of(None, value)


def plan_choices(hotel: HotelView, views: Sequence[RatePlanView]) -> list[tuple[str, str]]:
    """``(code, label)`` of the hotel's mapped rate plans for the change form; a derived
    plan's label says what it follows (its rate cannot be set there)."""
    derived = {v.plan.id: v.description for v in views if v.plan.is_derived}
    return [
        (p.code, f"{p.name or p.code}, follows {derived[p.mapped_rate_plan_id]}")
        if p.mapped_rate_plan_id in derived
        else (p.code, p.name or p.code)
        for p in hotel.rate_plans
        if p.mapped_rate_plan_id
    ]


def refuse_derived(
    rate_plans: RatePlanService, organization_id: UUID, hotel: HotelView, change: AriChangeInput
) -> None:
    """Refuse, before a preview is shown, what a push would refuse on a derived plan: its
    rate, and its restrictions while it inherits them (``DerivedPlanValue``)."""
    mapped = next(
        (p.mapped_rate_plan_id for p in hotel.rate_plans if p.code == change.rate_plan_code),
        None,
    )
    if mapped is None or hotel.internal_property_id is None:
        return
    views = {v.plan.id: v for v in rate_plans.list(organization_id, hotel.internal_property_id)}
    view = views.get(mapped)
    if view is None or not view.plan.is_derived:
        return
    values = DayValues(
        rate=None if change.rate is None else Money.of(change.rate, view.currency),
        min_los=change.min_los,
        max_los=change.max_los,
        closed_to_arrival=change.closed_to_arrival,
        closed_to_departure=change.closed_to_departure,
        stop_sell=change.stop_sell,
    )
    check_direct_values(values, view.plan, view.parent_name or "its parent")


def _back(form: FormData) -> Redirect:
    """The rates page the form was on (its connection, hotel and first day)."""
    query = {
        name: value
        for name in ("connection_id", "hotel", "start")
        if (value := text(form, name)) is not None
    }
    return see_other("/rates?" + urlencode(query) + "#rate-plans")


def _uuid(form: FormData, name: str, label: str) -> UUID:
    try:
        return UUID(text(form, name) or "")
    except ValueError:
        raise FormError(f"{label} must be chosen") from None


@post("/rates/rate-plans", include_in_schema=False)
async def create_derived_plan(
    request: Request[Any, Any, Any], *, organization_id: UUID, rate_plans: RatePlanService
) -> Redirect:
    """Add a derived plan; its nights come from its parent's at once."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    created = await asyncio.to_thread(
        rate_plans.create,
        organization_id,
        RatePlanInput(
            property_id=_uuid(form, "property_id", "Property"),
            name=text(form, "name") or "",
            parent_rate_plan_id=_uuid(form, "parent_rate_plan_id", "Parent rate plan"),
            modifier=parse_modifier(form),
            inherit_restrictions=form.get("inherit_restrictions") == "on",
        ),
    )
    notify(request, f"Rate plan added: {created.description}")
    return _back(form)


@post("/rates/rate-plans/{rate_plan_id:uuid}", include_in_schema=False)
async def update_derived_plan(
    request: Request[Any, Any, Any],
    *,
    organization_id: UUID,
    rate_plan_id: UUID,
    rate_plans: RatePlanService,
) -> Redirect:
    """Change a derived plan's modifier and inheritance; its nights are derived again."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    changed = await asyncio.to_thread(
        rate_plans.update,
        organization_id,
        rate_plan_id,
        RatePlanChange(
            modifier=parse_modifier(form),
            inherit_restrictions=form.get("inherit_restrictions") == "on",
        ),
    )
    notify(request, f"Rate plan saved: {changed.description}")
    return _back(form)


RATE_PLAN_HANDLERS = (create_derived_plan, update_derived_plan)
