"""Small helpers shared by the route modules."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from booking_sandbox.auth import Principal
from booking_sandbox.state import SandboxState


class BadRequestError(Exception):
    """The request body or parameters cannot be used; answered 400 in the family's shape."""


def sandbox(request: Request) -> SandboxState:
    """The state behind this app."""
    state: SandboxState = request.app.state.sandbox
    return state


def principal(request: Request) -> Principal:
    """Authenticate the caller (raises SandboxAuthError -> 401)."""
    return sandbox(request).tokens.authenticate(request.headers.get("authorization"))


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or BadRequestError."""
    try:
        payload = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise BadRequestError("body must be JSON") from exc
    if not isinstance(payload, dict):
        raise BadRequestError("body must be a JSON object")
    return payload


async def form_body(request: Request) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body as name -> values."""
    fields: dict[str, list[str]] = {}
    text = (await request.body()).decode("utf-8", errors="replace")
    for key, value in parse_qsl(text, keep_blank_values=True):
        fields.setdefault(key, []).append(value)
    return fields


def first(fields: dict[str, list[str]], name: str) -> str | None:
    """The first value of a form field, if present."""
    values = fields.get(name)
    return values[0] if values else None
