"""Masking of XML bodies for the message log.

The OTA codec's ``redact`` blanks card data and credentials (parsed when well-formed, textual
otherwise, Luhn-checked digit runs). On top of it every 12-19 digit run is masked whether or not
it passes Luhn, because test and mistyped card numbers are still card data to a reader.
"""

from __future__ import annotations

import re

from channel_manager.adapters.booking.ota.redact import redact

MASK = "***"

#: Elements and attributes that carry card data or credentials in OTA and B.XML messages.
_SECRET_NAMES = r"(?:CardNumber|SeriesCode|CVC|CVV|cvc|cvv|card_number|password|Password)"  # noqa: S105 -- names to mask, not a password
_SECRET_ATTRIBUTE = re.compile(rf"(\b{_SECRET_NAMES}\s*=\s*)([\"']).*?\2", re.DOTALL)
_SECRET_ELEMENT = re.compile(rf"(<(?:\w+:)?{_SECRET_NAMES}\b[^>]*>)([^<]*)(</)", re.DOTALL)
#: 12 to 19 digits, optionally grouped by spaces or dashes: a primary account number.
_PAN = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")


def mask_text(text: str) -> str:
    """Mask card-number-like digit runs and secret-named attributes/elements in any text."""
    text = _SECRET_ATTRIBUTE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
    text = _SECRET_ELEMENT.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    return _PAN.sub(MASK, text)


def redact_xml_body(body: bytes) -> str:
    """An XML body as text with card data masked, well-formed or not."""
    return mask_text(redact(body).decode("utf-8", errors="replace"))
