"""The message log hook: every request and response handed to a sink, secrets masked.

The application persists what the sink receives (the ``message log`` table); the adapter only
promises that nothing secret leaves through it. XML bodies are masked by the OTA codec's
``redact`` (card numbers, security codes); JSON and form bodies have their token, secret and
code fields replaced here, and card numbers in their other values masked, by the rules of
:mod:`channel_manager.domain.redaction`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

import attrs

from channel_manager.application.message_log import MessageLogWriter
from channel_manager.domain.messages import MessageDirection
from channel_manager.domain.redaction import MASK, is_secret_name, redact_text

#: ``<!-- RUID: [UmFuZG9tSVYk...] -->``: Booking.com's request id, which support asks for.
_RUID_COMMENT = re.compile(rb"<!--\s*RUID:\s*\[?\s*([^\]\s>]+)\s*\]?\s*-->")


@attrs.frozen(kw_only=True)
class MessageRecord:
    """One request or response as the message log keeps it.

    ``status`` is the HTTP status of a response (``None`` for a request); ``body`` is already
    masked; ``ruid`` is Booking.com's request id when the response carried one.
    """

    direction: MessageDirection
    message_type: str
    method: str
    endpoint: str
    body: str
    at: datetime
    status: int | None = None
    ruid: str | None = None
    connection_id: UUID | None = None


class MessageSink(Protocol):
    """Receives every message the Booking.com adapter sends or receives."""

    async def __call__(self, record: MessageRecord) -> UUID | None:
        """Store or forward ``record``; return its message-log id when it was stored (the
        gateway links reservations to the message they came in). Must not raise for ordinary
        storage failures.
        """
        ...


class MessageLogWriterSink:
    """A :class:`MessageSink` that persists every record with the application's
    ``MessageLogWriter`` (one short transaction per message)."""

    def __init__(self, writer: MessageLogWriter) -> None:
        self._writer = writer

    async def __call__(self, record: MessageRecord) -> UUID | None:
        """Write ``record`` to the message log; its entry id."""
        # One short transaction per message, in a thread: the event loop keeps serving.
        entry = await asyncio.to_thread(
            self._writer.write,
            connection_id=record.connection_id,
            direction=record.direction,
            message_type=record.message_type,
            endpoint=f"{record.method} {record.endpoint}",
            body=record.body,
            http_status=record.status,
            ruid=record.ruid,
        )
        return entry.id


async def discard_messages(record: MessageRecord) -> UUID | None:
    """A sink that keeps nothing (the default when no message log is wired)."""
    del record
    return None


def extract_ruid(body: bytes) -> str | None:
    """The RUID of a Booking.com response, from its ``<!-- RUID: ... -->`` comment or JSON
    ``meta.ruid`` envelope; ``None`` when it has none."""
    match = _RUID_COMMENT.search(body)
    if match is not None:
        return match.group(1).decode("ascii", errors="replace")
    if body.lstrip().startswith(b"{"):
        try:
            document = json.loads(body)
        except ValueError:
            return None
        if isinstance(document, dict):
            meta = document.get("meta")
            ruid = meta.get("ruid") if isinstance(meta, dict) else document.get("ruid")
            return ruid if isinstance(ruid, str) else None
    return None


def _mask_json_value(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: MASK
            if isinstance(key, str) and is_secret_name(key) and item is not None
            else _mask_json_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask_json_value(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)  # a guest's remark may hold a card number
    return value


def _mask_form(text: str) -> str:
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode(
        [(key, MASK if is_secret_name(key) else redact_text(value)) for key, value in pairs]
    )


def mask_body(body: bytes, content_type: str, redact_xml: Callable[[bytes], str]) -> str:
    """The body as text with every secret masked, chosen by content type (and a sniff of the
    first byte, because error bodies do not always say what they are)."""
    if not body:
        return ""
    kind = content_type.split(";", 1)[0].strip().lower()
    start = body.lstrip()[:1]
    if kind.endswith("json") or start in (b"{", b"["):
        try:
            return json.dumps(_mask_json_value(json.loads(body)), ensure_ascii=False)
        except ValueError:
            pass  # not JSON after all: fall through to the XML/text masking below
    if kind == "application/x-www-form-urlencoded":
        return _mask_form(body.decode("utf-8", errors="replace"))
    return redact_xml(body)
