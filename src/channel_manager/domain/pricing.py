"""Price modifiers: a percentage or an amount added to a rate (negative to take off).

Used by derived rate plans (a child plan is its parent's rate with a modifier) and by
per-connection rules (a markup to cover a channel's commission). The result is rounded to the
currency's minor unit, half away from zero, and never goes below one minor unit: a channel is
never sent a rate of zero or less because a discount was too deep.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import attrs

from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.money import Money, minor_units

#: A percentage outside -99..1000 is a typing error (a plan at -100% would be free).
MIN_PERCENT = Decimal(-99)
MAX_PERCENT = Decimal(1000)
#: An amount modifier of a billion or more is a typing error (and would overflow columns).
MAX_AMOUNT = Decimal(1_000_000_000)
#: More digits than this after the point in a modifier is a typing error.
MAX_MODIFIER_PLACES = 4


def _decimal(text: str | int | Decimal, what: str) -> Decimal:
    if isinstance(text, bool | float):
        raise InvalidValue(f"{what} must be a decimal string such as '-10' or '5.00'")
    try:
        value = Decimal(text) if not isinstance(text, Decimal) else text
    except (InvalidOperation, ValueError):
        raise InvalidValue(f"{what} {text!r} is not a number") from None
    exponent = value.as_tuple().exponent
    if value.is_finite() and isinstance(text, str) and ("e" in text or "E" in text):
        # "1e3" is a number to Decimal, but nobody types a markup that way: a typing error.
        raise InvalidValue(f"{what} {text!r}: write it out in digits, such as '-10' or '5.00'")
    if not value.is_finite() or not isinstance(exponent, int):
        raise InvalidValue(f"{what} {text!r} is not a finite number")
    if -exponent > MAX_MODIFIER_PLACES:
        raise InvalidValue(f"{what} {text!r} has more than {MAX_MODIFIER_PLACES} decimals")
    return value


@attrs.frozen
class PriceModifier:
    """Exactly one of ``percent`` (``-10`` is 10% off) or ``amount`` (``5.00`` is 5 more, in
    the rate's currency)."""

    percent: Decimal | None = None
    amount: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise InvalidValue("a modifier is either a percent or an amount, not both or neither")
        if self.percent is not None and not MIN_PERCENT <= self.percent <= MAX_PERCENT:
            raise InvalidValue(
                f"a percent modifier must be {MIN_PERCENT} to {MAX_PERCENT}, got {self.percent}"
            )
        if self.amount is not None and abs(self.amount) >= MAX_AMOUNT:
            raise InvalidValue(f"an amount modifier must be less than {MAX_AMOUNT:,}")

    @classmethod
    def of_percent(cls, percent: str | int | Decimal) -> PriceModifier:
        """``percent`` per cent more (negative: less); ``InvalidValue`` when not a number."""
        return cls(percent=_decimal(percent, "percent"))

    @classmethod
    def of_amount(cls, amount: str | int | Decimal) -> PriceModifier:
        """``amount`` more in the rate's currency (negative: less)."""
        return cls(amount=_decimal(amount, "amount"))

    @property
    def is_identity(self) -> bool:
        """True when applying it changes nothing (0% or an amount of 0)."""
        return (self.percent if self.percent is not None else self.amount) == 0

    def apply(self, rate: Money) -> Money:
        """``rate`` modified, rounded to its currency's minor unit (half away from zero),
        never below one minor unit."""
        if self.percent is not None:
            moved = Money(rate.amount * (Decimal(100) + self.percent) / Decimal(100), rate.currency)
        else:
            assert self.amount is not None
            moved = Money(rate.amount + self.amount, rate.currency)
        rounded = moved.rounded()
        floor = Money(Decimal(1).scaleb(-minor_units(rate.currency)), rate.currency)
        return rounded if rounded >= floor else floor

    def describe(self) -> str:
        """For a person: ``-10%`` or ``+5.00``."""
        if self.percent is not None:
            return f"{self.percent:+}%"
        return f"{self.amount:+}"


def modifier_of(percent: str | int | None, amount: str | int | None) -> PriceModifier:
    """A modifier from exactly one of ``percent`` ("-10") or ``amount`` ("5.00"), as an API body,
    a form or a command line gives them; ``InvalidValue`` (a 422) otherwise."""
    if (percent is None) == (amount is None):
        raise InvalidValue('a modifier is exactly one of {"percent": "-10"} or {"amount": "5.00"}')
    if percent is not None:
        return PriceModifier.of_percent(percent)
    assert amount is not None
    return PriceModifier.of_amount(amount)
