"""What one row of the push history shows: the push in the names a person knows (its
connection, hotel, rooms and rate plans), how it really stands (delivered after a retry is
delivered), and what it waits for when an earlier push for the same hotel holds it back.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from channel_manager.application.history_views import CatalogNames, QueuePlace
from channel_manager.domain.connection import Connection
from channel_manager.domain.sync import OutboundMessage, OutboundState
from channel_manager.entrypoints.rest.views import PushRangeView, PushView
from channel_manager.entrypoints.web.pickers import ConnectionPick


def short_id(push_id: UUID) -> str:
    """The first eight hex digits of a push id, as the page names pushes (``#1a2b3c4d``)."""
    return push_id.hex[:8]


@attrs.frozen(kw_only=True)
class RangeRow:
    """One date range of a push with the names of its room type and rate plan."""

    item: PushRangeView
    room: str | None
    rate_plan: str | None

    @property
    def codes(self) -> str:
        """``DBL/STD``: the channel's codes, shown beside the names."""
        plan = f"/{self.item.rate_plan_code}" if self.item.rate_plan_code else ""
        return f"{self.item.room_type_code}{plan}"


@attrs.frozen(kw_only=True)
class Waiting:
    """The earlier push (``head``) that must go out before this one, and how many are ahead."""

    head_id: UUID
    head_short: str
    head_state: str
    head_next_attempt_at: datetime
    head_attempts: int
    head_shown: bool
    ahead: int


@attrs.frozen(kw_only=True)
class PushRow:
    """A row of the push history."""

    push: PushView
    short_id: str
    connection: Connection | None
    connection_label: str
    hotel: str | None
    ranges: tuple[RangeRow, ...]
    waiting: Waiting | None
    #: Why an open push is not being sent (its connection is not active), if that is so.
    held: str | None

    @property
    def failed_before(self) -> bool:
        """True for a push that is delivered or still trying although an attempt failed: its
        last error is history (muted), not the outcome (red)."""
        return self.push.last_error is not None and self.push.state != OutboundState.FAILED

    @property
    def can_retry(self) -> bool:
        """A failed push of an active connection may be queued again."""
        return (
            self.push.state == OutboundState.FAILED
            and self.connection is not None
            and self.connection.is_active
        )


def _ranges(view: PushView, names: CatalogNames | None) -> tuple[RangeRow, ...]:
    hotel = view.hotel_code
    return tuple(
        RangeRow(
            item=item,
            room=names.room(hotel, item.room_type_code) if names else None,
            rate_plan=names.rate_plan(hotel, item.rate_plan_code)
            if names and item.rate_plan_code
            else None,
        )
        for item in view.ranges
    )


def _held(message: OutboundMessage, connection: Connection | None) -> str | None:
    open_states = (OutboundState.PENDING, OutboundState.IN_FLIGHT)
    if message.state not in open_states or connection is None or connection.is_active:
        return None
    return f"Not sent while its connection is {connection.status.value}."


def push_rows(
    messages: list[OutboundMessage], pick: ConnectionPick, queue: dict[UUID, QueuePlace]
) -> list[PushRow]:
    """The rows of ``messages`` (newest first), named through the organisation's
    connections in ``pick``, with each held-back push's place in ``queue``."""
    shown = {m.id for m in messages}
    rows = []
    for message in messages:
        choice = pick.choice(message.connection_id)
        names = choice.names if choice else None
        place = queue.get(message.id)
        waiting = (
            Waiting(
                head_id=place.head.id,
                head_short=short_id(place.head.id),
                head_state=place.head.state.value,
                head_next_attempt_at=place.head.next_attempt_at,
                head_attempts=place.head.attempts,
                head_shown=place.head.id in shown,
                ahead=place.ahead,
            )
            if place is not None
            else None
        )
        view = PushView.of(message)
        rows.append(
            PushRow(
                push=view,
                short_id=short_id(message.id),
                connection=choice.connection if choice else None,
                connection_label=pick.label(message.connection_id),
                hotel=names.hotel(message.hotel_code) if names else None,
                ranges=_ranges(view, names),
                waiting=waiting,
                held=_held(message, choice.connection if choice else None),
            )
        )
    return rows
