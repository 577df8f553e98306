"""Row translation for outbound messages; the ARI payload is stored as cattrs-made JSON.

The payload's class follows from the message kind, so the JSON carries no type tags. Dates are
ISO strings and amounts decimal strings: nothing passes through a float.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import cattrs
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.ari_requests import AriRequest, AvailRequest, RateRequest
from channel_manager.domain.sync import OutboundKind, OutboundMessage, OutboundState

_PAYLOAD_CLASSES: dict[OutboundKind, type[AvailRequest] | type[RateRequest]] = {
    OutboundKind.AVAILABILITY: AvailRequest,
    OutboundKind.RATES: RateRequest,
}


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, lambda value, _: Decimal(str(value)))
    return converter


payload_converter = _make_converter()


def payload_to_json(payload: AriRequest) -> dict[str, Any]:
    """The JSON-ready form of an ARI request."""
    unstructured: dict[str, Any] = payload_converter.unstructure(payload)
    return unstructured


def payload_from_json(kind: OutboundKind, data: dict[str, Any]) -> AriRequest:
    """Rebuild the ARI request of a message of ``kind``."""
    return payload_converter.structure(data, _PAYLOAD_CLASSES[kind])


def outbound_to_row(message: OutboundMessage) -> Row:
    """Columns of ``outbound_messages`` (``claimed_at`` is set by claiming, not here)."""
    return {
        "id": message.id,
        "connection_id": message.connection_id,
        "hotel_code": message.hotel_code,
        "kind": message.kind.value,
        "payload": payload_to_json(message.payload),
        # The column (NOT NULL, unique) is left from a key that never deduplicated (it embedded
        # the fresh message id); it is filled with the id until a migration drops it.
        "idempotency_key": str(message.id),
        "ordering_key": message.ordering_key,
        "state": message.state.value,
        "attempts": message.attempts,
        "max_attempts": message.max_attempts,
        "next_attempt_at": message.next_attempt_at,
        "last_error": message.last_error,
        "confirmation": message.confirmation,
        "claimed_by": message.claimed_by,
        "created_at": message.created_at,
        "delivered_at": message.delivered_at,
    }


def outbound_from_row(row: sa.RowMapping) -> OutboundMessage:
    """An outbound message from its row."""
    kind = OutboundKind(row["kind"])
    return OutboundMessage(
        id=row["id"],
        connection_id=row["connection_id"],
        hotel_code=row["hotel_code"],
        kind=kind,
        payload=payload_from_json(kind, row["payload"]),
        ordering_key=row["ordering_key"],
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        state=OutboundState(row["state"]),
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        confirmation=row["confirmation"],
        claimed_by=row["claimed_by"],
    )
