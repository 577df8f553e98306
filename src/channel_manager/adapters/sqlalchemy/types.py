"""Column types that keep the domain's guarantees in the database.

- :class:`UtcDateTime`: timezone-aware UTC in, timezone-aware UTC out, on SQLite as well.
- :class:`ExactDecimal`: ``NUMERIC(18, 4)`` on PostgreSQL; text on SQLite, whose numeric affinity
  would pass amounts through float. An amount needing more than four decimals is refused, never
  rounded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

#: Digits after the decimal point kept for every money amount.
MONEY_SCALE = 4
#: Total significant digits of a money amount.
MONEY_PRECISION = 18


class NaiveDatetimeError(ValueError):
    """A datetime without tzinfo reached the database layer; its meaning would be a guess."""


class AmountNotStorableError(ValueError):
    """An amount with more decimals or digits than the money columns keep exactly."""


class UtcDateTime(sa.TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE``; values are normalised to UTC and always come back aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive values; store UTC (naive on SQLite, which has no time zone type)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {value!r}: pass a timezone-aware value")
        in_utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return in_utc.replace(tzinfo=None)
        return in_utc

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        """Attach UTC to SQLite's naive values; convert PostgreSQL's to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def check_storable(amount: Decimal) -> Decimal:
    """Return ``amount`` if the money columns hold it exactly, else raise AmountNotStorableError."""
    if not amount.is_finite():
        raise AmountNotStorableError(f"amount {amount!r} is not finite")
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > MONEY_SCALE and amount != amount.quantize(Decimal(1).scaleb(-MONEY_SCALE)):
        raise AmountNotStorableError(f"amount {amount} has more than {MONEY_SCALE} decimal places")
    if abs(amount) >= Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE):
        raise AmountNotStorableError(f"amount {amount} is too large to store")
    return amount


class ExactDecimal(sa.TypeDecorator[Decimal]):
    """A money amount stored exactly: numeric on PostgreSQL, decimal text on SQLite."""

    impl = sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Use text on SQLite so no value ever passes through a float."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(40))
        return dialect.type_descriptor(sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: object, dialect: Dialect) -> object:
        """Check the amount fits; SQLite gets its canonical decimal string."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money columns never accept float; pass a Decimal")
        if not isinstance(value, Decimal | int):
            raise TypeError(f"money columns take a Decimal, got {type(value).__name__}")
        amount = check_storable(Decimal(value))
        if dialect.name == "sqlite":
            return str(amount)
        return amount

    def process_result_value(self, value: object, _dialect: Dialect) -> Decimal | None:
        """Always a Decimal, whatever the driver returned."""
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value))
