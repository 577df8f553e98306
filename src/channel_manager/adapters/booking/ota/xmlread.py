"""Small readers for OTA elements: find children, read typed attributes, fail with OTA codes.

Every reader raises :class:`OtaParseError` naming the element and attribute at fault, so the
sender gets a useful ``ShortText`` back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from lxml import etree

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.namespaces import local_name, ota

#: No price, tax or commission is this large; such a value is a corrupt message.
MAX_AMOUNT = Decimal(10) ** 12
#: DecimalPlaces beyond this is not a currency amount any more (Booking.com uses up to 3).
MAX_DECIMAL_PLACES = 6


@cache
def _tag(name: str) -> str:
    return ota(name)


#: Up to this many children, comparing tags in a loop beats setting up ``iterchildren(tag)``.
_SCAN_CHILDREN = 3


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element at ``path`` (OTA local names) under ``element``, or ``None``.

    ``iterchildren(tag)`` rather than ``find``: the same direct-child match, done in C (``find``
    goes through lxml's ElementPath in Python, and this runs a hundred times per message).
    """
    current = element
    for name in path:
        if current is None:
            return None
        tag = _tag(name)
        if len(current) > _SCAN_CHILDREN:
            current = next(current.iterchildren(tag), None)
            continue
        for node in current:
            if node.tag == tag:
                current = node
                break
        else:
            return None
    return current


def children(element: etree._Element | None, *path: str) -> list[etree._Element]:
    """Every element at ``path`` under ``element`` (the last step may repeat)."""
    if element is None or not path:
        return []
    *steps, last = path
    parent = child(element, *steps) if steps else element
    if parent is None:
        return []
    tag = _tag(last)
    if len(parent) <= _SCAN_CHILDREN:
        return [node for node in parent if node.tag == tag]
    return list(parent.iterchildren(tag))


def firsts(element: etree._Element | None) -> dict[object, etree._Element]:
    """The first child of each Clark tag, in one pass over ``element``'s children: for an
    element asked for several children (a ``RoomStay`` is asked for a dozen)."""
    found: dict[object, etree._Element] = {}
    if element is not None:
        for node in element:
            found.setdefault(node.tag, node)
    return found


def first_tagged(element: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child with Clark tag ``tag``, or ``None`` (:func:`child` for one step, the
    tag already qualified)."""
    if element is not None:
        for node in element:
            if node.tag == tag:
                return node
    return None


def all_tagged(element: etree._Element | None, tag: str) -> list[etree._Element]:
    """Every child with Clark tag ``tag`` (:func:`children` for one step)."""
    if element is None:
        return []
    return [node for node in element if node.tag == tag]


def text(element: etree._Element | None) -> str | None:
    """Stripped text content, or ``None`` when absent or blank."""
    if element is None:
        return None
    if not len(element):  # a leaf (the usual case): its text is all its text
        return (element.text or "").strip() or None
    value = "".join(part for part in element.itertext() if isinstance(part, str)).strip()
    return value or None


def attr(element: etree._Element | None, name: str) -> str | None:
    """A stripped attribute value, or ``None`` when absent or blank."""
    if element is None:
        return None
    return (element.get(name) or "").strip() or None


def _where(element: etree._Element, name: str) -> str:
    return f"{local_name(element)}/@{name}"


def invalid(element: etree._Element, name: str, value: str, expected: str) -> OtaParseError:
    """An error for an attribute with the wrong form."""
    return OtaParseError(
        OtaErrorCode.INVALID_VALUE, f"{_where(element, name)} must be {expected}, got {value!r}"
    )


def missing(what: str) -> OtaParseError:
    """An error for a required element or attribute that is absent."""
    return OtaParseError(OtaErrorCode.REQUIRED_FIELD_MISSING, f"{what} is required")


def required_attr(element: etree._Element, name: str) -> str:
    """An attribute that must be present."""
    value = attr(element, name)
    if value is None:
        raise missing(_where(element, name))
    return value


def int_attr(element: etree._Element | None, name: str) -> int | None:
    """An optional integer attribute."""
    value = attr(element, name)
    if value is None:
        return None
    assert element is not None  # a value implies an element
    try:
        return int(value)
    except ValueError:
        raise invalid(element, name, value, "an integer") from None


def bool_attr(element: etree._Element | None, name: str) -> bool | None:
    """An optional ``xs:boolean`` attribute (true/false/1/0)."""
    value = attr(element, name)
    if value is None:
        return None
    assert element is not None
    lowered = value.lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise invalid(element, name, value, "true or false")


def date_attr(element: etree._Element | None, name: str) -> date | None:
    """An optional ``xs:date`` attribute; a date-time value keeps its calendar date."""
    value = attr(element, name)
    if value is None:
        return None
    assert element is not None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise invalid(element, name, value, "a date (YYYY-MM-DD)") from None


def datetime_attr(element: etree._Element | None, name: str) -> datetime | None:
    """An optional ``xs:dateTime`` attribute as an aware UTC datetime.

    A value without an offset is taken as UTC: OTA leaves it unspecified and Booking.com
    sends UTC.
    """
    value = attr(element, name)
    if value is None:
        return None
    assert element is not None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(element, name, value, "a date-time (ISO 8601)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class _AmountError(ValueError):
    """Why an amount was refused, before the element is known (see :func:`_amount`)."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(expected)
        self.name, self.value, self.expected = name, value, expected


#: Amounts longer than this are parsed every time rather than cached (bounded memory).
_CACHED_AMOUNT_LENGTH = 24


def amount_attr(element: etree._Element | None, name: str) -> Decimal | None:
    """An OTA amount, exact: an integer scaled by ``DecimalPlaces`` ("13350" with 2 is 133.50)
    or a decimal string taken as written ("280.00")."""
    value = attr(element, name)
    if value is None:
        return None
    assert element is not None
    places = attr(element, "DecimalPlaces")
    try:
        if len(value) <= _CACHED_AMOUNT_LENGTH and (places is None or len(places) <= 2):
            return _cached_amount(name, value, places)
        return _amount(name, value, places)
    except _AmountError as error:
        raise invalid(element, error.name, error.value, error.expected) from None


def _amount(name: str, value: str, places_text: str | None) -> Decimal:
    """The amount of attribute ``name`` (stripped ``value``, stripped ``DecimalPlaces``)."""
    try:
        places = None if places_text is None else int(places_text)
    except ValueError:
        raise _AmountError("DecimalPlaces", places_text or "", "an integer") from None
    if places is not None and not 0 <= places <= MAX_DECIMAL_PLACES:
        raise _AmountError("DecimalPlaces", str(places), f"0 to {MAX_DECIMAL_PLACES}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _AmountError(name, value, "an amount") from None
    if not amount.is_finite():
        raise _AmountError(name, value, "a finite amount")
    if "." not in value and "e" not in value.lower():
        amount = amount.scaleb(-(places or 0))
    # Prices, taxes and commissions are never negative; beyond 10^12 a value is corrupt.
    if not 0 <= amount < MAX_AMOUNT:
        raise _AmountError(name, value, f"an amount from 0 up to {MAX_AMOUNT}")
    return amount


#: A message repeats the same few prices night after night; Decimals are immutable, so a
#: parsed one can be shared. Bounded in entries and (see the caller) in key length.
_cached_amount = lru_cache(maxsize=4096)(_amount)


def split_amount(amount: Decimal, decimal_places: int | None = None) -> tuple[str, str]:
    """``(integer, DecimalPlaces)`` strings for an outbound amount; exact or ``ValueError``.

    Without ``decimal_places`` the amount's own number of decimals is used.
    """
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int), "amounts are finite"
    places = max(0, -exponent) if decimal_places is None else decimal_places
    scaled = amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} cannot be written exactly with {places} decimal places")
    return str(int(scaled)), str(places)
