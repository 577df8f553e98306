"""The shared price modifier: a percent or an amount, rounded to the currency's minor unit
(half away from zero) and never below one minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.money import Money, minor_units
from channel_manager.domain.pricing import PriceModifier


@pytest.mark.parametrize(
    ("modifier", "rate", "expected"),
    [
        (PriceModifier.of_percent("-10"), Money.of("123.45", "EUR"), "111.11"),  # 111.105
        (PriceModifier.of_percent("-10"), Money.of("100", "EUR"), "90.00"),
        (PriceModifier.of_percent("15"), Money.of("10001", "JPY"), "11501"),  # 11501.15
        (PriceModifier.of_percent("-10"), Money.of("10005", "JPY"), "9005"),  # 9004.5 up
        (PriceModifier.of_percent("-10"), Money.of("1.005", "KWD"), "0.905"),  # 0.9045 up
        (PriceModifier.of_percent("7.5"), Money.of("2.000", "KWD"), "2.150"),
        (PriceModifier.of_amount("5.00"), Money.of("99.99", "EUR"), "104.99"),
        (PriceModifier.of_amount("-500"), Money.of("12000", "JPY"), "11500"),
        (PriceModifier.of_amount("0.0005"), Money.of("1.000", "KWD"), "1.001"),  # half up
    ],
)
def test_a_modifier_is_rounded_half_away_from_zero_per_currency(
    modifier: PriceModifier, rate: Money, expected: str
) -> None:
    moved = modifier.apply(rate)
    assert moved == Money(Decimal(expected), rate.currency)
    assert str(moved.amount) == expected  # written at the currency's minor unit


@pytest.mark.parametrize(("currency", "floor"), [("EUR", "0.01"), ("JPY", "1"), ("KWD", "0.001")])
def test_a_deep_discount_never_goes_below_one_minor_unit(currency: str, floor: str) -> None:
    rate = Money.of("3", currency)
    assert PriceModifier.of_amount("-1000").apply(rate).amount == Decimal(floor)
    assert PriceModifier.of_percent("-99").apply(Money.of("0.5", "EUR")).amount == Decimal("0.01")


def test_bad_modifiers_are_refused_with_a_reason() -> None:
    for make, text, words in (
        (PriceModifier.of_percent, "ten", "not a number"),
        (PriceModifier.of_percent, "-100", "-99"),
        (PriceModifier.of_percent, "1001", "1000"),
        (PriceModifier.of_percent, "NaN", "finite"),
        (PriceModifier.of_amount, "1.00001", "decimals"),
        (PriceModifier.of_amount, 1.5, "decimal string"),
        (PriceModifier.of_percent, "1e3", "in digits"),
        (PriceModifier.of_amount, "5E-1", "in digits"),
        (PriceModifier.of_amount, "1000000000", "less than"),
    ):
        with pytest.raises(InvalidValue, match=words):
            make(text)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="not both"):
        PriceModifier(percent=Decimal(1), amount=Decimal(1))
    with pytest.raises(InvalidValue, match="neither"):
        PriceModifier()


def test_a_modifier_describes_itself() -> None:
    assert PriceModifier.of_percent("-10").describe() == "-10%"
    assert PriceModifier.of_amount("5.00").describe() == "+5.00"
    assert PriceModifier.of_percent("0").is_identity
    assert not PriceModifier.of_amount("-1").is_identity


_CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "USD"])


@st.composite
def _rates(draw: st.DrawFn) -> Money:
    currency = draw(_CURRENCIES)
    places = minor_units(currency)
    minor = draw(st.integers(min_value=1, max_value=10**9))
    return Money(Decimal(minor).scaleb(-places), currency)


_PERCENTS = st.decimals(min_value=-99, max_value=1000, places=2)
_AMOUNTS = st.decimals(min_value=-(10**6), max_value=10**6, places=2)


@given(_rates(), _PERCENTS)
def test_a_percent_is_exact_to_half_a_minor_unit_and_never_below_the_floor(
    rate: Money, percent: Decimal
) -> None:
    moved = PriceModifier.of_percent(percent).apply(rate)
    unit = Decimal(1).scaleb(-minor_units(rate.currency))
    exact = rate.amount * (100 + percent) / 100
    assert moved.currency == rate.currency
    assert moved.amount >= unit
    assert moved.amount.as_tuple().exponent == -minor_units(rate.currency)
    if exact >= unit:
        assert abs(moved.amount - exact) <= unit / 2


@given(_rates(), _AMOUNTS)
def test_an_amount_is_added_exactly_unless_it_falls_below_the_floor(
    rate: Money, amount: Decimal
) -> None:
    moved = PriceModifier.of_amount(amount).apply(rate)
    unit = Decimal(1).scaleb(-minor_units(rate.currency))
    assert moved.amount == max(unit, (rate.amount + amount).quantize(unit, "ROUND_HALF_UP"))


@given(_rates())
def test_the_identity_modifiers_change_nothing(rate: Money) -> None:
    assert PriceModifier.of_percent("0").apply(rate) == rate
    assert PriceModifier.of_amount("0").apply(rate) == rate
