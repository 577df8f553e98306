"""A reservation's messages as its page and the API show them: only the part about that
reservation, never the rest of the polled batch or push it came in (issue 12 §4)."""

from __future__ import annotations

from uuid import UUID

import attrs

from channel_manager.application.queries import Queries
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.inbound import MessageExcerpts

#: How far back the message log is searched for a reservation's messages.
MESSAGE_LOOKBACK = 500
#: Shown instead of a body that could not be cut to the one reservation (not XML, say).
NOT_SHOWN = "(not shown: this message could not be cut to this reservation alone)"


def _own_part(
    excerpts: MessageExcerpts, entry: MessageLogEntry, reservation: Reservation
) -> MessageLogEntry:
    own = excerpts.only_reservation(entry.body.encode("utf-8"), reservation.external_id)
    body = NOT_SHOWN if own is None else own.decode("utf-8", errors="replace")
    return attrs.evolve(entry, body=body)


def reservation_messages(
    queries: Queries, excerpts: MessageExcerpts, organization_id: UUID, reservation: Reservation
) -> tuple[MessageLogEntry | None, list[MessageLogEntry]]:
    """The message the reservation came from, and every logged message that names it (newest
    first: its revision history as the channel sent it), each cut to this reservation by the
    channel's ``excerpts``.

    Pushed and polled reservations link the message they came from; for older ones the current
    revision is the newest inbound message that names the reservation.
    """
    entries = queries.messages(organization_id, reservation.connection_id, MESSAGE_LOOKBACK)
    linked = reservation.raw_message_id
    mentioning = [e for e in entries if reservation.external_id in e.body or e.id == linked]
    history = [_own_part(excerpts, e, reservation) for e in mentioning]
    # A message that named the reservation only inside another one's text is not its message.
    history = [e for e in history if reservation.external_id in e.body or e.body == NOT_SHOWN]
    raw = next((e for e in history if e.id == reservation.raw_message_id), None)
    if raw is None:
        raw = next((e for e in history if e.direction is MessageDirection.INBOUND), None)
    return raw, history
