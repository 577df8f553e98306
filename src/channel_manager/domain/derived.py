"""Derived rate plans: a plan whose rate is another plan's (its parent's) with a
:class:`~channel_manager.domain.pricing.PriceModifier` applied, and whose restrictions are the
parent's too when it inherits them.

Derivation is one level deep: a parent is never itself derived, so there is no chain to walk
and no cycle to guard against (docs/decisions.md, "Derived rate plans"). Everything here is
pure: the child's night values are computed from the parent's night values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from uuid import UUID

from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.calendar import CalendarNight
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.inventory import RatePlan
from channel_manager.domain.money import minor_units

#: The restriction fields a derived plan takes from its parent when it inherits them.
RESTRICTIONS = ("min_los", "max_los", "closed_to_arrival", "closed_to_departure", "stop_sell")


class DerivedPlanValue(InvalidValue):
    """A value set directly on a derived plan that follows its parent instead."""


class InvalidParent(InvalidValue):
    """A parent that cannot be derived from (another property, or itself derived)."""


def check_parent(parent: RatePlan, property_id: UUID) -> None:
    """``parent`` may carry children of a plan of ``property_id``: same property, not derived
    (one level: a chain would make one change fan out down a tree, and forbid nothing
    useful)."""
    if parent.property_id != property_id:
        raise InvalidParent(f"rate plan {parent.name!r} belongs to another property")
    if parent.is_derived:
        raise InvalidParent(
            f"rate plan {parent.name!r} is itself derived; derive from its parent instead"
        )


def derived_values(parent: DayValues, child: RatePlan) -> DayValues:
    """The values ``child`` takes from one night of its parent: the rate with the modifier
    applied, and the restrictions when it inherits them (unset values stay unset)."""
    modifier = child.modifier
    if modifier is None:
        raise InvalidValue(f"rate plan {child.name!r} is not derived")
    rate = None if parent.rate is None else modifier.apply(parent.rate)
    if not child.inherit_restrictions:
        return DayValues(rate=rate)
    return DayValues(rate=rate, **{name: getattr(parent, name) for name in RESTRICTIONS})


def child_nights(
    parent_nights: Iterable[CalendarNight], child: RatePlan
) -> Iterator[CalendarNight]:
    """The nights ``child`` stores for nights of its parent (only those that set something the
    child takes)."""
    for night in parent_nights:
        if night.rate_plan_id != child.parent_rate_plan_id:
            continue
        values = derived_values(night.values, child)
        if not values.is_empty:
            yield CalendarNight(night.unit_id, child.id, night.night, values)


def refused_fields(values: DayValues, plan: RatePlan) -> tuple[str, ...]:
    """The fields of ``values`` that may not be set directly on ``plan``: on a derived plan
    its rate, and its restrictions while it inherits them."""
    if not plan.is_derived:
        return ()
    names = ("rate", *RESTRICTIONS) if plan.inherit_restrictions else ("rate",)
    return tuple(name for name in names if getattr(values, name) is not None)


def check_direct_values(values: DayValues, plan: RatePlan, parent_name: str) -> None:
    """Refuse values set directly on a derived plan that follow its parent."""
    refused = refused_fields(values, plan)
    if not refused:
        return
    what = "its rate follows" if refused == ("rate",) else "its rate and restrictions follow"
    fields = ", ".join(_FIELD_NAMES[name] for name in refused)
    raise DerivedPlanValue(
        f"rate plan {plan.name!r} is derived from {parent_name!r} ({describe(plan)}): {what}"
        f" the parent's, so {fields} cannot be set on it; change {parent_name!r} or the"
        " modifier instead"
    )


#: The API's names of the fields (DayValues calls the stays ``*_los``).
_FIELD_NAMES = {
    "rate": "rate",
    "min_los": "min_stay",
    "max_los": "max_stay",
    "closed_to_arrival": "closed_to_arrival",
    "closed_to_departure": "closed_to_departure",
    "stop_sell": "stop_sell",
}


def describe(plan: RatePlan, currency: str | None = None) -> str:
    """The modifier for a person (``-10%``, ``+5.00``; an amount written with ``currency``'s
    decimals when given); empty for a plan that is not derived."""
    modifier = plan.modifier
    if modifier is None:
        return ""
    if modifier.amount is None or currency is None:
        return modifier.describe()
    return f"{amount_text(modifier.amount, currency):+}"


def amount_text(amount: Decimal, currency: str) -> Decimal:
    """An amount modifier with at least ``currency``'s decimals (``-20`` in EUR is ``-20.00``;
    a modifier typed with more decimals keeps them)."""
    places = Decimal(1).scaleb(-minor_units(currency))
    return amount if -_exponent(amount) >= minor_units(currency) else amount.quantize(places)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
