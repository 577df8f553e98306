"""The connection and hotel pickers of the pages about an organisation's connections (Rates
& availability, Sync, Push history, Message log), remembered in the browser's session.

Only ids are remembered, and every use looks them up again among the signed-in
organisation's connections: a remembered id that is gone (or was never the organisation's)
is forgotten, never shown. An id asked for in the query that the organisation does not have is
``NotFound``, like any other organisation's id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import attrs
from litestar import Request

from channel_manager.application.history_views import CatalogNames
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import NotFound
from channel_manager.entrypoints.web.common import uuid_or_none

#: Session keys of the remembered choices: the connection last chosen on any page (the pages
#: about one connection open on it), the list pages' connection filter (``"all"`` or an id) and
#: the Rates page's hotel per connection. Ids only; each is looked up again, scoped to the
#: signed-in organisation, every time it is used.
SESSION_CONNECTION = "picked_connection"
SESSION_CONNECTION_FILTER = "picked_connection_filter"
SESSION_HOTELS = "picked_hotels"
#: The value of the "All connections" option of a list page's filter.
ALL_CONNECTIONS = "all"

_CHANNEL_NAMES = {"booking": "Booking.com", "ical": "iCal"}


@attrs.frozen(kw_only=True)
class ConnectionChoice:
    """One connection as a picker lists it: a label a person recognises, not a UUID."""

    connection: Connection
    label: str
    names: CatalogNames

    @property
    def id(self) -> UUID:
        """The connection's id."""
        return self.connection.id


@attrs.frozen(kw_only=True)
class ConnectionPick:
    """The organisation's connections (newest first) and the one a page shows; ``chosen`` is
    ``None`` on a list page showing all of them (or when there is none)."""

    choices: tuple[ConnectionChoice, ...]
    chosen: ConnectionChoice | None

    @property
    def connection(self) -> Connection | None:
        """The chosen connection, if one is."""
        return self.chosen.connection if self.chosen else None

    @property
    def value(self) -> str:
        """The filter's value: the chosen id, or ``"all"``."""
        return str(self.chosen.id) if self.chosen else ALL_CONNECTIONS

    @property
    def several(self) -> bool:
        """True when the organisation has more than one connection (a picker is worth it)."""
        return len(self.choices) > 1

    def choice(self, connection_id: UUID) -> ConnectionChoice | None:
        """The choice of ``connection_id``, if the organisation has it."""
        return next((c for c in self.choices if c.id == connection_id), None)

    def label(self, connection_id: UUID) -> str:
        """How a row of ``connection_id`` names its connection."""
        found = self.choice(connection_id)
        return found.label if found else "unknown connection"


def connection_label(connection: Connection, names: CatalogNames) -> str:
    """``Booking.com · Harbour View Hotel`` (its mapped hotels, else its account, else when it
    was connected), with its status when it is not active."""
    channel = _CHANNEL_NAMES.get(connection.channel, connection.channel)
    hotels = sorted(set(names.hotels.values()), key=str.casefold)
    if hotels:
        what = hotels[0] + (f" + {len(hotels) - 1} more" if len(hotels) > 1 else "")
    elif connection.external_account_id:
        what = f"property {connection.external_account_id}"
    else:
        what = f"connected {connection.created_at:%Y-%m-%d %H:%M}"
    status = "" if connection.is_active else f" ({connection.status.value})"
    return f"{channel} · {what}{status}"


def connection_choices(queries: Queries, organization_id: UUID) -> tuple[ConnectionChoice, ...]:
    """The organisation's connections as pickers list them, newest first."""
    named = queries.named_connections(organization_id)
    labels = [connection_label(n.connection, n.names) for n in named]
    repeated = {label for label in labels if labels.count(label) > 1}
    choices = [
        ConnectionChoice(
            connection=n.connection,
            label=label
            if label not in repeated
            else f"{label} · connected {n.connection.created_at:%Y-%m-%d %H:%M}",
            names=n.names,
        )
        for n, label in zip(named, labels, strict=True)
    ]
    return tuple(reversed(choices))  # newest first


def _session(request: Request[Any, Any, Any]) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def _asked(choices: tuple[ConnectionChoice, ...], value: str | None) -> ConnectionChoice | None:
    """The connection a query names (``NotFound`` unless the organisation has it); ``None``
    when it names none."""
    asked = uuid_or_none(value if value != ALL_CONNECTIONS else None, "Connection")
    if asked is None:
        return None
    found = next((c for c in choices if c.id == asked), None)
    if found is None:
        raise NotFound("connection", asked)
    return found


def _remembered(
    session: dict[str, Any], key: str, choices: tuple[ConnectionChoice, ...]
) -> ConnectionChoice | None:
    """The remembered connection while the organisation still has it; a stale one is
    forgotten."""
    value = session.get(key)
    found = next((c for c in choices if str(c.id) == value), None)
    if found is None and value not in (None, ALL_CONNECTIONS):
        session.pop(key, None)
    return found


def _remember(session: dict[str, Any], choice: ConnectionChoice) -> None:
    session[SESSION_CONNECTION] = session[SESSION_CONNECTION_FILTER] = str(choice.id)


def pick_connection(
    request: Request[Any, Any, Any],
    queries: Queries,
    organization_id: UUID,
    connection_id: str | None,
    *,
    offered: Callable[[Connection], bool] | None = None,
) -> ConnectionPick:
    """The connection a page about one connection shows: the one asked for (remembered from
    now on), else the remembered one, else the newest one that is not revoked. ``offered``
    narrows the choices to the connections the page is about (one asked for outside them is
    not found).
    """
    choices = connection_choices(queries, organization_id)
    if offered is not None:
        choices = tuple(choice for choice in choices if offered(choice.connection))
    session = _session(request)
    chosen = _asked(choices, connection_id)
    if chosen is not None:
        _remember(session, chosen)
    else:
        live = [c for c in choices if c.connection.status is not ConnectionStatus.REVOKED]
        chosen = _remembered(session, SESSION_CONNECTION, choices) or next(
            iter(live or choices), None
        )
    return ConnectionPick(choices=choices, chosen=chosen)


def pick_connection_filter(
    request: Request[Any, Any, Any],
    queries: Queries,
    organization_id: UUID,
    connection_id: str | None,
) -> ConnectionPick:
    """The connection a list page filters on: the one asked for, or all of them (``all`` or
    an empty value) from now on; else what was chosen last; else all of them.
    """
    choices = connection_choices(queries, organization_id)
    session = _session(request)
    chosen = _asked(choices, connection_id)
    if chosen is not None:
        _remember(session, chosen)
    elif connection_id is not None:  # "All connections" chosen
        session[SESSION_CONNECTION_FILTER] = ALL_CONNECTIONS
    else:
        chosen = _remembered(session, SESSION_CONNECTION_FILTER, choices)
    return ConnectionPick(choices=choices, chosen=chosen)


def pick_hotel(
    request: Request[Any, Any, Any],
    connection: Connection | None,
    hotel_codes: list[str],
    asked: str | None,
) -> str | None:
    """The hotel code the Rates page shows for ``connection``: the one asked for (``NotFound``
    when the connection does not map it; remembered from now on), else the remembered one
    while still mapped, else the first.
    """
    if connection is None or not hotel_codes:
        return None
    session = _session(request)
    remembered = session.get(SESSION_HOTELS)
    hotels = dict(remembered) if isinstance(remembered, dict) else {}
    key = str(connection.id)
    if asked is not None:
        if asked not in hotel_codes:
            raise NotFound("mapped hotel", asked)
        hotels[key] = asked
        session[SESSION_HOTELS] = hotels
        return asked
    kept = hotels.get(key)
    return kept if kept in hotel_codes else hotel_codes[0]


def read_connection_filter(
    queries: Queries, organization_id: UUID, connection_id: str | None
) -> ConnectionPick:
    """The filter a page's script asks with (an id, else all connections), remembering
    nothing: a background refresh is not a choice."""
    choices = connection_choices(queries, organization_id)
    return ConnectionPick(choices=choices, chosen=_asked(choices, connection_id))
