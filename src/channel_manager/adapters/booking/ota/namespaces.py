"""Namespaces, qualified names and serialisation shared by every OTA message module."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import cast

from lxml import etree

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP_NAMESPACES = (SOAP11_NS, SOAP12_NS)

# lxml spells the default namespace with a None prefix; lxml-stubs only allow str keys.
_NSMAP = cast("dict[str, str]", {None: OTA_NS})


def ota(local_name: str) -> str:
    """The Clark name ``{OTA namespace}local_name`` lxml uses for OTA elements."""
    return f"{{{OTA_NS}}}{local_name}"


def local_name(element: etree._Element) -> str:
    """An element's name without its namespace."""
    return etree.QName(element).localname


def _clean(attributes: Mapping[str, str | None]) -> dict[str, str]:
    return {name: value for name, value in attributes.items() if value is not None}


def ota_root(name: str, attributes: Mapping[str, str | None]) -> etree._Element:
    """A new OTA root element with the OTA namespace as default; ``None`` values are omitted."""
    return etree.Element(ota(name), _clean(attributes), nsmap=_NSMAP)


def message_root(
    name: str, echo_token: str | None, timestamp: datetime | None, version: str
) -> etree._Element:
    """An OTA message's root with its ``EchoToken``, ``TimeStamp`` and ``Version``."""
    return ota_root(
        name,
        {
            "EchoToken": echo_token,
            "TimeStamp": format_timestamp(timestamp) if timestamp else None,
            "Version": version,
        },
    )


def sub(
    parent: etree._Element,
    name: str,
    attributes: Mapping[str, str | None] | None = None,
    text: str | None = None,
) -> etree._Element:
    """Append an OTA child element; ``None`` attribute values are omitted."""
    child = etree.SubElement(parent, ota(name), _clean(attributes or {}))
    if text is not None:
        child.text = text
    return child


def to_bytes(root: etree._Element, *, soap: bool = False) -> bytes:
    """Serialise as UTF-8 with an XML declaration, wrapped in a SOAP 1.1 envelope on request."""
    if soap:
        envelope = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soap": SOAP11_NS})
        body = etree.SubElement(envelope, f"{{{SOAP11_NS}}}Body")
        body.append(root)
        root = envelope
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def format_timestamp(moment: datetime) -> str:
    """An OTA ``TimeStamp``: UTC, second precision, with an explicit offset."""
    if moment.tzinfo is None:
        raise ValueError("OTA timestamps must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def format_bool(value: bool) -> str:
    """``xs:boolean`` as OTA writes it."""
    return "true" if value else "false"
