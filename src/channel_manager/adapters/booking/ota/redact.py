"""Masking XML bodies for the message log: no card data or credentials are ever stored.

Blanked (value replaced by ``***``): every element or attribute whose name says it carries a
card number, security code or credential (``CardNumber``, ``SeriesCode``, CVC/CVV,
``MagneticStripe``, ``PlainText`` and ``Token`` of encrypted card fields, anything named like a
password, secret or token) and, anywhere in text or attribute values, digit runs that pass the
Luhn check (a card number typed where none belongs). ``EchoToken`` is a correlation id, not a
credential, and is kept because support needs it; so are the card holder's name, the card
brand and expiry, which we store anyway.

A well-formed body is parsed with the hardened parser and rewritten; anything else (truncated,
hostile, not XML) is masked textually, so it can still be logged without being parsed unsafely.
"""

from __future__ import annotations

import functools
import re

from lxml import etree

from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.parser import parse_xml

MASK = "***"
_SECRET_NAME = re.compile(
    r"card_?number|series_?code|cvc|cvv|magnetic_?stripe|plain_?text|password|passw|secret|token|jwt",
    re.IGNORECASE,
)
#: Names that match the pattern above but are not secrets.
_NOT_SECRET = frozenset({"EchoToken"})
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_ATTRIBUTE = re.compile(r"""([\w:.-]+)(\s*=\s*)(["'])(.*?)\3""", re.DOTALL)
_ELEMENT_TEXT = re.compile(r"(<(?:[\w.-]+:)?([\w.-]+)\b[^>]*>)([^<]*)(</)", re.DOTALL)


def _is_secret(name: str) -> bool:
    # A message repeats a few dozen names hundreds of times, so answers are cached (a fifth
    # of redacting); only for names of ordinary length, so a hostile body cannot park
    # megabytes of names in the cache.
    return _is_secret_name(name) if len(name) <= 128 else _name_is_secret(name)


@functools.lru_cache(maxsize=1024)
def _is_secret_name(name: str) -> bool:
    return _name_is_secret(name)


def _name_is_secret(name: str) -> bool:
    local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    return local not in _NOT_SECRET and bool(_SECRET_NAME.search(local))


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card_number(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return MASK if _luhn_valid(digits) else match.group(0)


def _mask_card_numbers(text: str) -> str:
    return _DIGIT_RUN.sub(_mask_card_number, text)


_ATTRIBUTES = etree.XPath("@*")


def _attributes(element: etree._Element) -> list[tuple[str, str]]:
    """(name, value) of each attribute of ``element``, read in one pass in C.

    lxml's ``attrib.items()`` looks every value up by name, a linear search each, so an
    element with 400,000 attributes (one 5 MB body) held a request thread for hours; only
    values that change are written back, for the same reason.
    """
    if isinstance(element, etree._Comment | etree._ProcessingInstruction | etree._Entity):
        return []  # no attributes, and XPath refuses them as a context node
    found = _ATTRIBUTES(element)
    assert isinstance(found, list)
    return [(str(value.attrname), str(value)) for value in found]  # type: ignore[union-attr]


def _redact_element(element: etree._Element) -> None:
    secret = isinstance(element.tag, str) and _is_secret(element.tag)
    for name, value in _attributes(element):
        masked = MASK if secret or _is_secret(name) else _mask_card_numbers(value)
        if masked != value:
            element.set(name, masked)
    if element.text:
        element.text = MASK if secret and element.text.strip() else _mask_card_numbers(element.text)
    if element.tail:
        element.tail = _mask_card_numbers(element.tail)
    for child in element:
        _redact_element(child)
        if secret and isinstance(child.tag, str):
            # Everything inside a secret element is secret too (CardNumber/PlainText).
            for descendant in child.iter():
                if descendant.text and descendant.text.strip():
                    descendant.text = MASK


def _redact_text(text: str) -> str:
    def attribute(match: re.Match[str]) -> str:
        name, equals, quote, value = match.groups()
        masked = MASK if _is_secret(name) else _mask_card_numbers(value)
        return f"{name}{equals}{quote}{masked}{quote}"

    def element_text(match: re.Match[str]) -> str:
        opening, name, content, closing = match.groups()
        return f"{opening}{MASK if _is_secret(name) and content.strip() else content}{closing}"

    return _mask_card_numbers(_ELEMENT_TEXT.sub(element_text, _ATTRIBUTE.sub(attribute, text)))


def redact(xml_bytes: bytes) -> bytes:
    """``xml_bytes`` with card data and credentials blanked; safe to store in the message log."""
    try:
        root, _ruid = parse_xml(xml_bytes)
    except OtaParseError:
        return _redact_text(xml_bytes.decode("utf-8", errors="replace")).encode("utf-8")
    tree = root.getroottree()
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if sibling.text:
            sibling.text = _mask_card_numbers(sibling.text)
    _redact_element(root)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
