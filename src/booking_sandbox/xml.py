"""The sandbox's own small XML toolkit (lxml): hardened parsing, building, RUID trailer.

Deliberately independent from channel_manager's codec so the two cannot share a bug.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from booking_sandbox.auth import new_ruid

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


class XmlInputError(Exception):
    """The request body is not well-formed XML (or is empty)."""


def parse(body: bytes) -> etree._Element:
    """Parse untrusted XML: no entities, no DTDs, no network, no huge trees."""
    if not body.strip():
        raise XmlInputError("empty request body")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(f"not well-formed XML: {exc}") from exc
    if root is None:
        raise XmlInputError("no root element")
    return root


def local(element: etree._Element) -> str:
    """Element name without namespace (the sandbox reads OTA leniently, with or without ns)."""
    return etree.QName(element).localname


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """Direct children with this local name, in any namespace."""
    return [c for c in element if isinstance(c.tag, str) and local(c) == name]


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first direct child with this local name, if any."""
    found = children(element, name)
    return found[0] if found else None


def descendants(element: etree._Element, name: str) -> list[etree._Element]:
    """Every descendant with this local name, in document order."""
    return [e for e in element.iter() if isinstance(e.tag, str) and local(e) == name]


def path(element: etree._Element, *names: str) -> list[etree._Element]:
    """Follow child names from `element`, fanning out at every step."""
    current = [element]
    for name in names:
        current = [c for e in current for c in children(e, name)]
    return current


def ota(tag: str) -> str:
    """Clark-notation name in the OTA namespace."""
    return f"{{{OTA_NS}}}{tag}"


def ota_root(tag: str, version: str, now: dt.datetime, **attributes: str) -> etree._Element:
    """An OTA message root with TimeStamp and Version."""
    # lxml-stubs type nsmap keys as str, but None (the default namespace) is what lxml wants.
    root = etree.Element(ota(tag), nsmap={None: OTA_NS})  # type: ignore[dict-item]
    root.set("TimeStamp", now.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    root.set("Version", version)
    for key, value in attributes.items():
        root.set(key, value)
    return root


def sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    """Append an element in the parent's namespace (if any) with attributes and text."""
    namespace = etree.QName(parent).namespace
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}" if namespace else tag)
    for key, value in attributes.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def serialize(root: etree._Element, ruid: str | None = None) -> bytes:
    """UTF-8 document with declaration, followed by the `<!-- RUID: [...] -->` trailer."""
    body: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return body + f"\n<!-- RUID: [{ruid or new_ruid()}] -->\n".encode("ascii")


def minor_units(amount: Decimal, decimal_places: int) -> str:
    """Decimal amount as the integer string Booking.com sends next to `DecimalPlaces`."""
    return str(int(amount.scaleb(decimal_places).to_integral_value()))
