"""Money: an exact Decimal amount in an ISO 4217 currency. Never float.

OTA messages carry amounts as integers plus ``DecimalPlaces`` (``"13350"`` with 2 places is
133.50); :meth:`Money.from_ota` and :meth:`Money.to_ota` convert exactly, raising rather than
silently rounding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

import attrs

from channel_manager.domain.errors import CurrencyMismatch, InvalidMoney

_CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
_INTEGER_PATTERN = re.compile(r"[+-]?\d+")

#: Currencies whose minor unit is not 2 digits (ISO 4217). Everything else uses 2.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI"),
        0,
    ),
    **dict.fromkeys(("VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}
_DEFAULT_MINOR_UNITS = 2
#: OTA allows at most a few decimal places; more than this is a malformed message.
_MAX_DECIMAL_PLACES = 6


def minor_units(currency: str) -> int:
    """Number of decimal digits of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    return _MINOR_UNITS.get(currency, _DEFAULT_MINOR_UNITS)


def decimals_rule(currency: str) -> str:
    """How many decimals an amount in ``currency`` may carry, in words for a person:
    ``EUR: up to 2 decimals``, ``JPY: whole amounts, no decimals``."""
    places = minor_units(currency)
    if places == 0:
        return f"{currency}: whole amounts, no decimals"
    return f"{currency}: up to {places} decimal{'s' if places != 1 else ''}"


def _to_decimal(value: object) -> Decimal:
    """Convert str/int/Decimal exactly; refuse float (it cannot represent 0.1)."""
    if isinstance(value, bool):
        raise InvalidMoney(f"not an amount: {value!r}")
    if isinstance(value, float):
        raise TypeError("Money never accepts float; pass a str, int or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidMoney(f"not a decimal amount: {value!r}") from None
    else:
        raise InvalidMoney(f"not an amount: {value!r}")
    if not result.is_finite():
        raise InvalidMoney(f"amount must be finite, got {value!r}")
    return result


def _check_finite(_instance: object, _attribute: object, value: Decimal) -> None:
    if not value.is_finite():
        raise InvalidMoney(f"amount must be a finite Decimal, got {value!r}")


def _check_currency_code(_instance: object, _attribute: object, value: str) -> None:
    if not _CURRENCY_PATTERN.fullmatch(value):
        raise InvalidMoney(f"currency must be three upper-case letters (ISO 4217), got {value!r}")


#: Validators shared with other entities that carry a currency code. ``instance_of`` raises
#: TypeError, so ``Money(0.1, "EUR")`` fails loudly instead of storing a float.
check_amount = (attrs.validators.instance_of(Decimal), _check_finite)
check_currency = (attrs.validators.instance_of(str), _check_currency_code)


@attrs.frozen(order=False)
class Money:
    """An exact amount in one currency. Arithmetic only between equal currencies."""

    amount: Decimal = attrs.field(validator=check_amount)
    currency: str = attrs.field(validator=check_currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a decimal string, an int or a Decimal (float raises TypeError)."""
        return cls(_to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def from_ota(cls, amount: str, decimal_places: int | None, currency: str) -> Money:
        """Parse an OTA amount exactly.

        An integer string is scaled by ``decimal_places`` ("13350", 2 -> 133.50). A string that
        already contains a "." is a decimal amount; ``decimal_places`` is then only checked: the
        string may not carry more fractional digits than it announces.
        """
        text = amount.strip()
        if decimal_places is not None and not 0 <= decimal_places <= _MAX_DECIMAL_PLACES:
            raise InvalidMoney(f"DecimalPlaces out of range: {decimal_places}")
        if "." in text:
            value = _to_decimal(text)
            exponent = value.as_tuple().exponent
            assert isinstance(exponent, int)  # finite, checked by _to_decimal
            if decimal_places is not None and -exponent > decimal_places:
                raise InvalidMoney(
                    f"amount {text!r} has more decimals than DecimalPlaces={decimal_places}"
                )
            return cls(value, currency)
        if not _INTEGER_PATTERN.fullmatch(text):
            raise InvalidMoney(f"not an OTA amount: {amount!r}")
        places = decimal_places if decimal_places is not None else 0
        return cls(Decimal(text).scaleb(-places), currency)

    def to_ota(self, decimal_places: int | None = None) -> tuple[int, int]:
        """Return ``(integer, decimal_places)`` for an OTA message; raise if not exact.

        ``decimal_places`` defaults to the currency's minor units.
        """
        places = minor_units(self.currency) if decimal_places is None else decimal_places
        if not 0 <= places <= _MAX_DECIMAL_PLACES:
            raise InvalidMoney(f"DecimalPlaces out of range: {places}")
        scaled = self.amount.scaleb(places)
        if scaled != scaled.to_integral_value():
            raise InvalidMoney(f"{self} cannot be written exactly with {places} decimal places")
        return int(scaled), places

    def rounded(self) -> Money:
        """Round to the currency's minor units, half away from zero (ROUND_HALF_UP).

        Half-up is what guests and hotels expect on an invoice (2.345 EUR -> 2.35); banker's
        rounding would surprise them.
        """
        quantum = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def is_exact(self) -> bool:
        """True when the amount needs no more digits than the currency's minor unit."""
        return self.rounded().amount == self.amount

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money never multiplies by float; use Decimal")
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def spread_amount(amount: Decimal, parts: int, places: int) -> list[Decimal]:
    """``amount`` in ``parts`` shares of ``places`` decimals, the rounding remainder on the
    last share, so the shares always add up to ``amount`` exactly (a Rate's span Total over
    its nights). Digits finer than ``places`` stay on the last share too.
    """
    if parts < 1:
        raise InvalidMoney(f"cannot spread an amount over {parts} parts")
    share = (amount / parts).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return [share] * (parts - 1) + [amount - share * (parts - 1)]


def spread(total: Money, parts: int) -> tuple[Money, ...]:
    """``total`` in ``parts`` shares of whole minor units that add up to it exactly."""
    amounts = spread_amount(total.amount, parts, minor_units(total.currency))
    return tuple(Money(amount, total.currency) for amount in amounts)


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts that must all be in ``currency``; an empty iterable sums to zero."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total
