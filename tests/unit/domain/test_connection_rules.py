"""Per-connection rules applied to what one channel is sent (issue 18): properties over any
day values and any rules."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.connection_rules import (
    MAX_AVAILABILITY_CAP,
    ConnectionRules,
    apply_rules,
)
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.money import Money
from channel_manager.domain.pricing import PriceModifier

from .strategies import CONNECTION_ID, exact_money

counts = st.integers(min_value=0, max_value=500)
flags = st.none() | st.booleans()
day_values = st.builds(
    DayValues,
    availability=st.none() | counts,
    rate=st.none() | exact_money(),
    min_los=st.none() | st.integers(min_value=0, max_value=30),
    max_los=st.none() | st.integers(min_value=0, max_value=30),
    closed_to_arrival=flags,
    closed_to_departure=flags,
    stop_sell=flags,
)
modifiers = st.none() | st.one_of(
    st.integers(min_value=-99, max_value=1000).map(PriceModifier.of_percent),
    st.decimals(min_value=-1000, max_value=1000, places=2).map(PriceModifier.of_amount),
)
rules = st.builds(
    ConnectionRules,
    connection_id=st.just(CONNECTION_ID),
    price_modifier=modifiers,
    availability_cap=st.none() | st.integers(min_value=0, max_value=MAX_AVAILABILITY_CAP),
    stop_sell=st.booleans(),
)


@given(day_values)
def test_no_rules_send_the_values_as_they_are(values: DayValues) -> None:
    assert apply_rules(None, values) is values
    assert apply_rules(ConnectionRules.none(CONNECTION_ID), values) is values


@given(rules, day_values)
def test_restrictions_other_than_stop_sell_are_never_touched(
    connection_rules: ConnectionRules, values: DayValues
) -> None:
    sent = apply_rules(connection_rules, values)
    assert (sent.min_los, sent.max_los) == (values.min_los, values.max_los)
    assert (sent.closed_to_arrival, sent.closed_to_departure) == (
        values.closed_to_arrival,
        values.closed_to_departure,
    )


@given(rules, day_values)
def test_availability_is_at_most_the_cap_and_never_invented(
    connection_rules: ConnectionRules, values: DayValues
) -> None:
    sent = apply_rules(connection_rules, values)
    if values.availability is None:
        assert sent.availability is None
        return
    cap = connection_rules.availability_cap
    expected = values.availability if cap is None else min(values.availability, cap)
    assert sent.availability == expected


@given(rules, day_values)
def test_the_rate_is_the_shared_modifier_applied_and_never_invented(
    connection_rules: ConnectionRules, values: DayValues
) -> None:
    sent = apply_rules(connection_rules, values)
    modifier = connection_rules.price_modifier
    if values.rate is None:
        assert sent.rate is None
    elif modifier is None or modifier.is_identity:
        assert sent.rate == values.rate
    else:
        assert sent.rate == modifier.apply(values.rate)
        assert sent.rate.currency == values.rate.currency


@given(rules, day_values)
def test_stop_sell_closes_every_night_sent_and_off_keeps_ours(
    connection_rules: ConnectionRules, values: DayValues
) -> None:
    sent = apply_rules(connection_rules, values)
    assert sent.stop_sell is (True if connection_rules.stop_sell else values.stop_sell)


def test_a_fifteen_percent_markup_rounds_per_currency() -> None:
    markup = ConnectionRules(
        connection_id=CONNECTION_ID, price_modifier=PriceModifier.of_percent("15")
    )
    sent = apply_rules(markup, DayValues(rate=Money(Decimal("99.99"), "EUR"), availability=4))
    assert sent == DayValues(rate=Money(Decimal("114.99"), "EUR"), availability=4)
    yen = apply_rules(markup, DayValues(rate=Money(Decimal("1001"), "JPY")))
    assert yen.rate == Money(Decimal("1151"), "JPY")


def test_a_cap_of_zero_and_stop_sell_block_every_night() -> None:
    assert ConnectionRules(connection_id=CONNECTION_ID, availability_cap=0).blocks_every_night
    assert ConnectionRules(connection_id=CONNECTION_ID, stop_sell=True).blocks_every_night
    assert not ConnectionRules(connection_id=CONNECTION_ID, availability_cap=1).blocks_every_night


@pytest.mark.parametrize("cap", [-1, MAX_AVAILABILITY_CAP + 1, True, Decimal(2)])
def test_a_cap_out_of_range_is_refused(cap: object) -> None:
    with pytest.raises(InvalidValue, match="availability_cap"):
        ConnectionRules(connection_id=CONNECTION_ID, availability_cap=cap)  # type: ignore[arg-type]


@given(rules)
def test_neutral_rules_change_nothing(connection_rules: ConnectionRules) -> None:
    neutral = attrs.evolve(connection_rules, availability_cap=None, stop_sell=False)
    if neutral.price_modifier is None or neutral.price_modifier.is_identity:
        assert neutral.is_neutral
        values = DayValues(rate=Money(Decimal("10.00"), "EUR"), availability=3)
        assert apply_rules(neutral, values) is values
