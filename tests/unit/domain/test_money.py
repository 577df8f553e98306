"""Money: exact, never float, per-currency rounding, same-currency arithmetic only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.errors import CurrencyMismatch, InvalidMoney
from channel_manager.domain.money import Money, decimals_rule, minor_units, sum_money
from tests.unit.domain.strategies import currencies, exact_money


def test_from_ota_scales_integer_by_decimal_places() -> None:
    assert Money.from_ota("13350", 2, "EUR") == Money(Decimal("133.50"), "EUR")
    assert Money.from_ota("13350", 3, "KWD").amount == Decimal("13.350")
    assert Money.from_ota("13350", 0, "JPY").amount == Decimal(13350)
    assert Money.from_ota("13350", None, "JPY").amount == Decimal(13350)


def test_from_ota_accepts_a_decimal_string_and_checks_its_places() -> None:
    assert Money.from_ota("133.50", 2, "EUR").amount == Decimal("133.50")
    assert Money.from_ota("133.5", None, "EUR").amount == Decimal("133.5")
    with pytest.raises(InvalidMoney):
        Money.from_ota("133.505", 2, "EUR")


@pytest.mark.parametrize("bad", ["", "abc", "1e5", "12,50", "NaN"])
def test_from_ota_rejects_malformed_amounts(bad: str) -> None:
    with pytest.raises(InvalidMoney):
        Money.from_ota(bad, 2, "EUR")


def test_to_ota_defaults_to_the_currency_minor_units() -> None:
    assert Money.of("133.5", "EUR").to_ota() == (13350, 2)
    assert Money.of("1000", "JPY").to_ota() == (1000, 0)
    assert Money.of("1.5", "KWD").to_ota() == (1500, 3)
    assert Money.of("1.5", "EUR").to_ota(decimal_places=3) == (1500, 3)


def test_to_ota_refuses_to_round() -> None:
    with pytest.raises(InvalidMoney):
        Money.of("1.005", "EUR").to_ota()
    with pytest.raises(InvalidMoney):
        Money.of("10.5", "JPY").to_ota()


@given(exact_money())
def test_ota_round_trip_is_exact(money: Money) -> None:
    integer, places = money.to_ota()
    assert Money.from_ota(str(integer), places, money.currency) == money


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(0, 3), currencies)
def test_from_ota_then_to_ota_returns_the_same_integer(value: int, places: int, code: str) -> None:
    money = Money.from_ota(str(value), places, code)
    assert money.to_ota(places) == (value, places)


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
def test_float_is_rejected_everywhere(value: float) -> None:
    with pytest.raises(TypeError):
        Money.of(value, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(value, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", "EUR") * value  # type: ignore[operator]


@pytest.mark.parametrize("code", ["eur", "EURO", "E1R", "", "€"])
def test_currency_must_be_three_upper_case_letters(code: str) -> None:
    with pytest.raises(InvalidMoney):
        Money.of("1", code)


def test_infinite_amounts_are_rejected() -> None:
    with pytest.raises(InvalidMoney):
        Money(Decimal("Infinity"), "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("100.5", "JPY", "101"),
        ("1.2345", "KWD", "1.235"),
        ("0.125", "USD", "0.13"),
    ],
)
def test_rounding_is_half_up_to_the_currency_minor_units(
    amount: str, currency: str, expected: str
) -> None:
    rounded = Money.of(amount, currency).rounded()
    assert rounded.amount == Decimal(expected)
    assert rounded.amount.as_tuple().exponent == -minor_units(currency)


def test_minor_units_table() -> None:
    assert [minor_units(c) for c in ("JPY", "KRW", "ISK", "VND", "EUR", "BHD", "KWD", "TND")] == [
        0,
        0,
        0,
        0,
        2,
        3,
        3,
        3,
    ]


def test_arithmetic_in_one_currency() -> None:
    a, b = Money.of("10.25", "EUR"), Money.of("0.75", "EUR")
    assert a + b == Money.of("11", "EUR")
    assert a - b == Money.of("9.5", "EUR")
    assert a * 3 == Money.of("30.75", "EUR")
    assert 2 * a == Money.of("20.50", "EUR")
    assert a * Decimal("0.1") == Money.of("1.025", "EUR")
    assert sum_money([a, b, b], "EUR") == Money.of("11.75", "EUR")
    assert sum_money([], "JPY") == Money.zero("JPY")
    assert b < a


@given(exact_money(currency="EUR"), exact_money(currency="USD"))
def test_mixing_currencies_raises(eur: Money, usd: Money) -> None:
    with pytest.raises(CurrencyMismatch):
        eur + usd
    with pytest.raises(CurrencyMismatch):
        eur - usd
    with pytest.raises(CurrencyMismatch):
        sum_money([eur], "USD")
    with pytest.raises(CurrencyMismatch):
        _ = eur < usd


@pytest.mark.parametrize(
    ("currency", "rule"),
    [
        ("EUR", "EUR: up to 2 decimals"),
        ("JPY", "JPY: whole amounts, no decimals"),
        ("KWD", "KWD: up to 3 decimals"),
        ("CLF", "CLF: up to 4 decimals"),
    ],
)
def test_the_decimals_rule_follows_the_minor_units(currency: str, rule: str) -> None:
    assert decimals_rule(currency) == rule
