"""Derived rate plans in the domain: a child's night values from its parent's, pure."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.calendar import CalendarNight
from channel_manager.domain.derived import (
    DerivedPlanValue,
    InvalidParent,
    check_direct_values,
    check_parent,
    child_nights,
    derived_values,
    describe,
    refused_fields,
)
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.inventory import RatePlan
from channel_manager.domain.money import Money
from channel_manager.domain.pricing import PriceModifier

PROPERTY = uuid4()
UNIT = uuid4()
NIGHT = date(2031, 3, 10)
PARENT = RatePlan(uuid4(), PROPERTY, "Standard", "STD")


def _child(modifier: PriceModifier, *, inherit: bool = True) -> RatePlan:
    return RatePlan(
        uuid4(),
        PROPERTY,
        "Non-refundable",
        "NR",
        parent_rate_plan_id=PARENT.id,
        modifier=modifier,
        inherit_restrictions=inherit,
    )


FULL = DayValues(
    rate=Money.of("120.00", "EUR"),
    min_los=2,
    max_los=7,
    closed_to_arrival=True,
    closed_to_departure=False,
    stop_sell=False,
)


def test_a_child_takes_the_modified_rate_and_the_restrictions_it_inherits() -> None:
    inheriting = _child(PriceModifier.of_percent("-10"))
    own = _child(PriceModifier.of_amount("-5.00"), inherit=False)

    assert derived_values(FULL, inheriting) == DayValues(
        rate=Money.of("108.00", "EUR"),
        min_los=2,
        max_los=7,
        closed_to_arrival=True,
        closed_to_departure=False,
        stop_sell=False,
    )
    assert derived_values(FULL, own) == DayValues(rate=Money.of("115.00", "EUR"))
    assert derived_values(DayValues(stop_sell=True), own).is_empty
    # Availability belongs to the unit, never to a plan: nothing of it is derived.
    assert derived_values(DayValues(availability=3), inheriting).is_empty


def test_child_nights_come_only_from_its_parents_nights_that_set_something() -> None:
    child = _child(PriceModifier.of_percent("-10"), inherit=False)
    other_plan = uuid4()
    nights = [
        CalendarNight(UNIT, PARENT.id, NIGHT, DayValues(rate=Money.of("100", "JPY"))),
        CalendarNight(UNIT, PARENT.id, NIGHT, DayValues(stop_sell=True)),  # not inherited
        CalendarNight(UNIT, other_plan, NIGHT, DayValues(rate=Money.of("100", "JPY"))),
        CalendarNight(UNIT, None, NIGHT, DayValues(availability=1)),
    ]

    assert list(child_nights(nights, child)) == [
        CalendarNight(UNIT, child.id, NIGHT, DayValues(rate=Money.of("90", "JPY")))
    ]


def test_values_set_directly_on_a_derived_plan_are_refused_with_a_reason() -> None:
    inheriting = _child(PriceModifier.of_percent("-10"))
    own = _child(PriceModifier.of_percent("-10"), inherit=False)

    assert refused_fields(FULL, PARENT) == ()
    assert refused_fields(DayValues(min_los=3), own) == ()
    assert refused_fields(DayValues(min_los=3, stop_sell=True), inheriting) == (
        "min_los",
        "stop_sell",
    )
    with pytest.raises(DerivedPlanValue) as refused:
        check_direct_values(DayValues(rate=Money.of("1", "EUR")), inheriting, "Standard")
    assert refused.value.message == (
        "rate plan 'Non-refundable' is derived from 'Standard' (-10%): its rate follows the"
        " parent's, so rate cannot be set on it; change 'Standard' or the modifier instead"
    )
    with pytest.raises(DerivedPlanValue, match=r"rate and restrictions follow.* min_stay"):
        check_direct_values(DayValues(min_los=3), inheriting, "Standard")
    check_direct_values(DayValues(min_los=3), own, "Standard")  # its own to set


def test_a_parent_is_a_plain_plan_of_the_same_property() -> None:
    child = _child(PriceModifier.of_percent("-10"))
    check_parent(PARENT, PROPERTY)
    with pytest.raises(InvalidParent, match="itself derived"):
        check_parent(child, PROPERTY)
    with pytest.raises(InvalidParent, match="another property"):
        check_parent(PARENT, uuid4())
    with pytest.raises(InvalidValue, match="both a parent and a modifier"):
        RatePlan(uuid4(), PROPERTY, "x", "X", parent_rate_plan_id=PARENT.id)
    with pytest.raises(InvalidValue, match="both a parent and a modifier"):
        RatePlan(uuid4(), PROPERTY, "x", "X", modifier=PriceModifier.of_percent("1"))
    itself = uuid4()
    with pytest.raises(InvalidValue, match="itself"):
        RatePlan(
            itself, PROPERTY, "x", "X", parent_rate_plan_id=itself,
            modifier=PriceModifier.of_percent("1"),
        )  # fmt: skip


def test_a_modifier_is_described_with_the_currencys_decimals() -> None:
    assert describe(PARENT) == ""
    assert describe(_child(PriceModifier.of_percent("-10")), "EUR") == "-10%"
    assert describe(_child(PriceModifier.of_amount("-20")), "EUR") == "-20.00"
    assert describe(_child(PriceModifier.of_amount("5")), "KWD") == "+5.000"
    assert describe(_child(PriceModifier.of_amount("500")), "JPY") == "+500"
    assert describe(_child(PriceModifier.of_amount("0.125")), "EUR") == "+0.125"


@given(
    st.decimals(min_value=1, max_value=10**6, places=2),
    st.decimals(min_value=-99, max_value=1000, places=1),
    st.booleans(),
)
def test_a_childs_rate_is_always_its_modifier_applied_to_the_parents(
    amount, percent, inherit
) -> None:
    modifier = PriceModifier.of_percent(percent)
    child = _child(modifier, inherit=inherit)
    parent = DayValues(rate=Money(amount, "EUR"), min_los=2)
    values = derived_values(parent, child)
    assert values.rate == modifier.apply(Money(amount, "EUR"))
    assert values.min_los == (2 if inherit else None)
