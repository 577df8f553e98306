"""Masking of XML bodies for the message log: the OTA codec's ``redact`` (card data and
credentials blanked, parsed when well-formed, textual otherwise), with the rules of
:mod:`channel_manager.domain.redaction` that the process logs and stored guest text share.
"""

from __future__ import annotations

from channel_manager.adapters.booking.ota.redact import redact


def redact_xml_body(body: bytes) -> str:
    """An XML body as text with card data and credentials masked, well-formed or not."""
    return redact(body).decode("utf-8", errors="replace")
