"""Bodies and parameters of the repair routes (``POST /connections/{id}/resync``,
``GET /connections/{id}/drift``). The body is a msgspec struct because its JSON names
``from`` and ``to`` are Python keywords (as in ``/calendar``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from channel_manager.application.repair import MAX_REPAIR_NIGHTS


class ResyncBody(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, rename={"start": "from", "end": "to"}
):
    """The nights to send again: ``from..to`` inclusive, at most
    :data:`~channel_manager.application.repair.MAX_REPAIR_NIGHTS`, from the property's today."""

    start: date
    end: date


#: ``?from=`` of the drift check (optional in form only, so a request without a key is
#: answered 401 before its parameters are read).
DriftFrom = Annotated[
    date | None,
    QueryParameter(name="from", description="First night (YYYY-MM-DD, required)."),
]
#: ``?to=`` of the drift check.
DriftTo = Annotated[
    date | None,
    QueryParameter(
        name="to",
        description=f"Last night (inclusive, required; at most {MAX_REPAIR_NIGHTS} nights).",
    ),
]


def required_window(start: date | None, end: date | None) -> tuple[date, date]:
    """Both ends of the window, or a 400 naming the missing parameter."""
    missing = [name for name, value in (("from", start), ("to", end)) if value is None]
    if missing:
        names = " and ".join(f"'{name}'" for name in missing)
        raise ValidationException(f"Missing required query parameter {names}")
    assert start is not None
    assert end is not None
    return start, end
