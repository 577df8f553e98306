"""Masking XML bodies for the message log: no card data or credentials are ever stored.

Blanked (value replaced by ``***``): every element or attribute whose name says it carries a
card number, security code or credential (``CardNumber``, ``SeriesCode``, CVC/CVV,
``MagneticStripe``, ``PlainText`` and ``Token`` of encrypted card fields, anything named like a
password, secret or token) and, anywhere in text or attribute values, card numbers and the
security codes next to them (a card typed where none belongs). Both rules are
:mod:`channel_manager.domain.redaction`'s, shared with the process logs and the stored guest
text. ``EchoToken`` is a correlation id, not a credential, and is kept because support needs
it; so are the card holder's name, the card brand and expiry, which we store anyway.

A well-formed body is parsed with the hardened parser and rewritten; anything else (truncated,
hostile, not XML) is masked textually, so it can still be logged without being parsed unsafely.
Either way a comment (or processing instruction) does not hide a card from the rules: the text
on both sides of it is read as one (``4111 1111<!-- --> 1111 1111`` is masked).
"""

from __future__ import annotations

import re

from lxml import etree

from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.parser import parse_xml
from channel_manager.domain.redaction import (
    MASK,
    is_secret_name,
    mask_card_numbers,
    mask_card_numbers_across,
    redact_text,
)

__all__ = ["MASK", "redact"]

_ATTRIBUTE = re.compile(r"""([\w:.-]+)(\s*=\s*)(["'])(.*?)\3""", re.DOTALL)
_ELEMENT_TEXT = re.compile(r"(<(?:[\w.-]+:)?([\w.-]+)\b[^>]*>)([^<]*)(</)", re.DOTALL)
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
    secret = isinstance(element.tag, str) and is_secret_name(element.tag)
    for name, value in _attributes(element):
        masked = MASK if secret or is_secret_name(name) else mask_card_numbers(value)
        if masked != value:
            element.set(name, masked)
    if secret and element.text and element.text.strip():
        element.text = MASK
    _mask_text_and_tails(element)
    for child in element:
        _redact_element(child)
        if secret and isinstance(child.tag, str):
            # Everything inside a secret element is secret too (CardNumber/PlainText).
            for descendant in child.iter():
                if descendant.text and descendant.text.strip():
                    descendant.text = MASK


def _mask_text_and_tails(element: etree._Element) -> None:
    """Mask cards in ``element``'s text and its children's tails; text that only a comment or
    processing instruction separates is read as one."""
    segments: list[list[tuple[etree._Element, bool]]] = [[(element, False)]]
    for child in element:
        if isinstance(child.tag, str):
            segments.append([])  # an element child: the text after it is read apart
        segments[-1].append((child, True))
    for segment in segments:
        values = [(node.tail if is_tail else node.text) or "" for node, is_tail in segment]
        if len(values) == 1:
            masked = [mask_card_numbers(values[0])]
        else:
            masked = mask_card_numbers_across(values)
        for (node, is_tail), value, new in zip(segment, values, masked, strict=True):
            if new == value:
                continue
            if is_tail:
                node.tail = new
            else:
                node.text = new


def _mask_across_comments(text: str) -> str:
    """``text`` (unparsed XML) with cards masked that comments cut apart (``4111<!-- -->1111
    ...``); finding each comment's end once keeps an unterminated ``<!--`` linear."""
    pieces: list[str] = []
    comments: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        pieces.append(text[position:start])
        comments.append(text[start : end + 3])
        position = end + 3
    if not comments:
        return text
    pieces.append(text[position:])
    masked = mask_card_numbers_across(pieces)
    return "".join(piece + comment for piece, comment in zip(masked, [*comments, ""], strict=True))


def _redact_text(text: str) -> str:
    def attribute(match: re.Match[str]) -> str:
        name, equals, quote, value = match.groups()
        masked = MASK if is_secret_name(name) else mask_card_numbers(value)
        return f"{name}{equals}{quote}{masked}{quote}"

    def element_text(match: re.Match[str]) -> str:
        opening, name, content, closing = match.groups()
        return f"{opening}{MASK if is_secret_name(name) and content.strip() else content}{closing}"

    masked = _ELEMENT_TEXT.sub(element_text, _ATTRIBUTE.sub(attribute, text))
    return redact_text(_mask_across_comments(masked))


def redact(xml_bytes: bytes) -> bytes:
    """``xml_bytes`` with card data and credentials blanked; safe to store in the message log."""
    try:
        root, _ruid = parse_xml(xml_bytes)
    except OtaParseError:
        return _redact_text(xml_bytes.decode("utf-8", errors="replace")).encode("utf-8")
    tree = root.getroottree()
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if sibling.text:
            sibling.text = mask_card_numbers(sibling.text)
    _redact_element(root)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
