"""Small helpers shared by the page handlers: redirects, notices, form fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from litestar import Request
from litestar.response import Redirect

from channel_manager.application.errors import InvalidRequest
from channel_manager.entrypoints.web.rendering import NOTICE_KEY

FormData = Mapping[str, Any]
ChoiceT = TypeVar("ChoiceT", bound=Enum)

#: The dates a form may name: far beyond any stay, yet with room for ranges and grids around
#: them (``date.max`` plus a week is an ``OverflowError``, year 1 minus a day too).
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2999, 12, 31)
#: The largest whole number a form field takes (rooms, nights): an int column holds it.
MAX_WHOLE_NUMBER = 99_999
#: Control characters (NUL among them) have no place in a form field, and XML cannot carry
#: most of them: they used to reach the OTA encoder and end in a 500.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: An amount as people type it: ASCII digits only (``isdigit`` also admits superscripts), at
#: most two decimal places more than any currency has, no exponent, no sign.
_AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,4})?")


class FormError(InvalidRequest):
    """A form field is missing or malformed; the message names the field."""


def see_other(path: str) -> Redirect:
    """Redirect after a POST so that reloading the page does not repeat the action."""
    return Redirect(path, status_code=303)


def notify(request: Request[Any, Any, Any], message: str) -> None:
    """Leave ``message`` for the next page this browser renders."""
    session = request.scope.get("session")
    if isinstance(session, dict):
        session[NOTICE_KEY] = message


def text(form: FormData, name: str) -> str | None:
    """A trimmed text field; ``None`` when missing or blank."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    if _CONTROL_CHARACTERS.search(value):
        raise FormError(f"{name} contains control characters")
    return value.strip() or None


def required_text(form: FormData, name: str, label: str) -> str:
    """A text field that must be filled in."""
    value = text(form, name)
    if value is None:
        raise FormError(f"{label} is required")
    return value


def whole_number(
    form: FormData, name: str, label: str, minimum: int = 0, maximum: int = MAX_WHOLE_NUMBER
) -> int | None:
    """A whole number from ``minimum`` to ``maximum`` in ASCII digits; ``None`` when empty."""
    value = text(form, name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(maximum))):
        raise FormError(f"{label} must be a whole number from {minimum} to {maximum}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise FormError(f"{label} must be a whole number from {minimum} to {maximum}")
    return number


def amount(form: FormData, name: str, label: str) -> str | None:
    """An amount like ``120.50`` (ASCII digits, no exponent or sign); ``None`` when empty."""
    value = text(form, name)
    if value is not None and not _AMOUNT.fullmatch(value):
        raise FormError(f"{label} must be an amount like 120.50")
    return value


def in_calendar(value: date | None, label: str) -> date | None:
    """``value`` when it lies from :data:`FIRST_DATE` to :data:`LAST_DATE`; else a
    ``FormError`` (``None`` stays ``None``)."""
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise FormError(f"{label} must be a date from {FIRST_DATE} to {LAST_DATE}")
    return value


def day(form: FormData, name: str, label: str) -> date:
    """A required ISO date (``YYYY-MM-DD``, what ``<input type=date>`` sends)."""
    value = required_text(form, name, label)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise FormError(f"{label} must be a date like 2025-06-30") from None
    return in_calendar(parsed, label) or parsed


def tri_state(form: FormData, name: str) -> bool | None:
    """A yes/no/unchanged select: ``"yes"`` -> True, ``"no"`` -> False, else ``None``."""
    return {"yes": True, "no": False}.get(text(form, name) or "")


def choice_or_none(choices: type[ChoiceT], value: str | None, label: str) -> ChoiceT | None:
    """An optional enum value from a filter select; its blank "any" option means ``None``.

    Filter forms are GET forms, so a select left at "any" arrives as ``name=`` (an empty
    string), which a typed query parameter would refuse.
    """
    if not value:
        return None
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(str(choice.value) for choice in choices)
        raise FormError(f"{label} must be one of {allowed}") from None


def date_or_none(value: str | None, label: str) -> date | None:
    """An optional ISO date from a filter field; blank means ``None``."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise FormError(f"{label} must be a date like 2025-06-30") from None
    return in_calendar(parsed, label)


def uuid_or_none(value: str | None, label: str) -> UUID | None:
    """An optional id from a select."""
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise FormError(f"{label} is not a valid choice") from None
