"""Writing OTA XML as text, for the bulk messages where building an lxml tree is the cost.

A year of rates and availability for a 50-room-type hotel is tens of thousands of ARI
messages; creating and serialising an lxml element per node took most of the time of a
full-year push (bench/bench_ari.py). These helpers write the same document as text: attribute
values are escaped as lxml escapes them, and a value lxml would refuse (control characters,
lone surrogates, U+FFFE/U+FFFF) raises ``ValueError`` here too, so no malformed XML goes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from channel_manager.adapters.booking.ota.namespaces import OTA_NS, SOAP11_NS

_XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
#: Characters an attribute value cannot hold as they are: markup, whitespace other than the
#: space (a parser would normalise it to a space) and everything XML 1.0 forbids.
_NEEDS_WORK = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_needs_work = _NEEDS_WORK.search
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_ESCAPES |= {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}

#: One attribute: its name and value; a ``None`` value leaves the attribute out.
Attribute = tuple[str, str | None]


def attribute_value(value: str) -> str:
    """``value`` escaped for a double-quoted attribute; ``ValueError`` if XML cannot hold it."""
    if _needs_work(value) is None:
        return value  # the common case: codes, dates and numbers
    if _FORBIDDEN.search(value) is not None:
        raise ValueError(f"All strings must be XML compatible, got {value!r}")
    return "".join(_ESCAPES.get(character, character) for character in value)


def tag(name: str, attributes: Iterable[Attribute] = (), content: str = "") -> str:
    """``<name a="v">content</name>``, or ``<name a="v"/>`` without content.

    ``content`` is markup written by these helpers (never text from outside). Values that
    need no escaping (nearly all) skip the call to :func:`attribute_value`.
    """
    written = "".join(
        [
            f' {key}="{value if _needs_work(value) is None else attribute_value(value)}"'
            for key, value in attributes
            if value is not None
        ]
    )
    if not content:
        return f"<{name}{written}/>"
    return f"<{name}{written}>{content}</{name}>"


def ota_document(name: str, attributes: Iterable[Attribute], content: str, *, soap: bool) -> bytes:
    """A whole OTA message: declaration, root in the OTA namespace, optional SOAP 1.1 envelope."""
    root = tag(name, [("xmlns", OTA_NS), *attributes], content)
    if soap:
        root = (
            f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>{root}</soap:Body></soap:Envelope>'
        )
    return (_XML_DECLARATION + root).encode()
