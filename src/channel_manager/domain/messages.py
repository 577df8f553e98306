"""The message log: every message sent to or received from a channel, secrets redacted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import attrs


class MessageDirection(StrEnum):
    """Whether we sent the message or received it."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@attrs.frozen(kw_only=True)
class MessageLogEntry:
    """One logged message. ``body`` is already redacted (no card data, tokens or passwords);
    ``ruid`` is the channel's request id, which its support asks for.
    """

    id: UUID
    connection_id: UUID | None
    direction: MessageDirection
    message_type: str
    endpoint: str
    http_status: int | None = None
    outcome: str | None = None
    ruid: str | None = None
    body: str = ""
    created_at: datetime
