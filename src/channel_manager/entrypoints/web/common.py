"""Small helpers shared by the page handlers: redirects, notices, form fields, connections."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from litestar import Request
from litestar.response import Redirect

from channel_manager.application.errors import InvalidRequest
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.entrypoints.web.rendering import NOTICE_KEY

FormData = Mapping[str, Any]
ChoiceT = TypeVar("ChoiceT", bound=Enum)


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
    return value.strip() or None


def required_text(form: FormData, name: str, label: str) -> str:
    """A text field that must be filled in."""
    value = text(form, name)
    if value is None:
        raise FormError(f"{label} is required")
    return value


def whole_number(form: FormData, name: str, label: str, minimum: int = 0) -> int | None:
    """A whole number at least ``minimum``; ``None`` when left empty."""
    value = text(form, name)
    if value is None:
        return None
    if not value.isdigit() or int(value) < minimum:
        raise FormError(f"{label} must be a whole number of at least {minimum}")
    return int(value)


def day(form: FormData, name: str, label: str) -> date:
    """A required ISO date (``YYYY-MM-DD``, what ``<input type=date>`` sends)."""
    value = required_text(form, name, label)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FormError(f"{label} must be a date like 2025-06-30") from None


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
        return date.fromisoformat(value)
    except ValueError:
        raise FormError(f"{label} must be a date like 2025-06-30") from None


def uuid_or_none(value: str | None, label: str) -> UUID | None:
    """An optional id from a select."""
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise FormError(f"{label} is not a valid choice") from None


def choose_connection(
    queries: Queries, organization_id: UUID, connection_id: UUID | None
) -> Connection | None:
    """The connection a page is about: the one asked for (``NotFound`` when it belongs to
    another organisation) or else the organisation's newest one that is not revoked.
    """
    if connection_id is not None:
        return queries.connection(organization_id, connection_id)
    connections = queries.connections(organization_id)
    live = [c for c in connections if c.status is not ConnectionStatus.REVOKED]
    candidates = live or connections
    return candidates[-1] if candidates else None
