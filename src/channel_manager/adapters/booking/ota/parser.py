"""The hardened XML parser every inbound OTA and B.XML message goes through.

Defences, in the order they apply:

1. size: bodies over :attr:`ParserLimits.max_bytes` are refused before any parsing;
2. DOCTYPE: refused outright (no DTD, so no entity expansion, no external entities: this is
   what stops "billion laughs" and XXE); checked on the raw bytes first and again on the
   parsed document, because a UTF-16 body would hide the marker from the byte scan;
3. lxml settings: ``resolve_entities=False, no_network=True, load_dtd=False,
   dtd_validation=False, huge_tree=False`` so nothing is fetched or expanded even if 2. failed;
4. depth: libxml2 refuses more than 256 levels while it parses (no ``huge_tree``), and a
   parsed tree deeper than :attr:`ParserLimits.max_depth` is refused (one XPath in C, where
   counting streamed events in Python cost more than the parse itself).

Comments are removed from the tree; the ``<!-- RUID: ... -->`` comment Booking.com appends is
captured first, because support asks for it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from functools import lru_cache
from itertools import chain

import attrs
from lxml import etree

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.namespaces import OTA_NS, SOAP_NAMESPACES, local_name

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
_CHUNK = 64 * 1024
_RUID = re.compile(r"^\s*RUID:\s*(.*?)\s*$", re.DOTALL)
_DOCTYPE_WORDS = ("<!DOCTYPE", "<!doctype", "<!ENTITY")
_DOCTYPE_MARKERS = tuple(marker.encode("utf-8") for marker in _DOCTYPE_WORDS)
#: The UTF-16 spellings all hold a zero byte (an ASCII character's other half), so they are
#: only looked for in a body that has one (one ``memchr`` instead of six scans).
_UTF16_DOCTYPE_MARKERS = tuple(
    marker.encode(encoding) for marker in _DOCTYPE_WORDS for encoding in ("utf-16-le", "utf-16-be")
)


#: Bytes per element below which a body is refused by default (see ``ParserLimits``).
MIN_BYTES_PER_ELEMENT = 20
#: Attributes one element may carry (OTA elements have at most a few dozen).
DEFAULT_MAX_ATTRIBUTES = 64
#: Bodies from this size on are checked for crowded elements (one XPath walk over the tree);
#: a smaller body cannot hold enough attributes to matter, and the walk would cost a quarter
#: of parsing an ordinary reservation.
ATTRIBUTE_CHECK_FROM = 64 * 1024
_CROWDED = etree.XPath("boolean(//*[count(@*) > $limit])")


@attrs.frozen
class ParserLimits:
    """How much input the parser accepts: body size in bytes, element nesting depth, the
    number of elements and the attributes of one element (checked on bodies of
    ``ATTRIBUTE_CHECK_FROM`` bytes or more).

    ``max_elements`` defaults to one element per ``MIN_BYTES_PER_ELEMENT`` bytes of
    ``max_bytes`` (262,144 for 5 MiB). The OTA and Booking.com samples hold 50 bytes or more
    per element; a body of nothing but ``<a/>`` builds a tree 17 times its size (85 MiB for
    5 MiB) and costs seconds to log, so it is refused before libxml2 sees it.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_elements: int | None = None
    max_attributes: int = DEFAULT_MAX_ATTRIBUTES

    @property
    def element_limit(self) -> int:
        """The number of elements accepted."""
        if self.max_elements is not None:
            return self.max_elements
        return self.max_bytes // MIN_BYTES_PER_ELEMENT


@attrs.frozen
class ParsedDocument:
    """A parsed message: its root (inside the SOAP body if there was one), comments removed.

    ``soap`` says whether it came in a SOAP envelope, so a reply can use the same form;
    ``ruid`` is the text of the ``<!-- RUID: ... -->`` comment, if any.
    """

    root: etree._Element
    soap: bool = False
    ruid: str | None = None

    @property
    def name(self) -> str:
        """The root element's local name, e.g. ``OTA_HotelResNotifRQ``."""
        return local_name(self.root)


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: creating one per message cost a fifth of the parse, and lxml
    advises against sharing a parser between threads (it would serialise them)."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


@lru_cache(maxsize=8)
def _deeper_than(max_depth: int) -> etree.XPath:
    """True for a document with an element below ``max_depth`` levels (the root is level 1):
    ``/*/*...`` with one step per level, evaluated in C.
    """
    return etree.XPath("boolean(/" + "/".join(["*"] * (max_depth + 1)) + ")")


def _ruid(root: etree._Element) -> str | None:
    """The text of the first ``RUID:`` comment in document order (Booking.com puts it after
    the root element, so comments outside the root count too)."""
    before = reversed(list(root.itersiblings(preceding=True)))
    for node in chain(before, root.iter(etree.Comment), root.itersiblings()):
        if isinstance(node, etree._Comment) and (match := _RUID.match(node.text or "")):
            return match.group(1)
    return None


def _refuse(message: str) -> OtaParseError:
    return OtaParseError(OtaErrorCode.UNABLE_TO_PROCESS, message)


def parse_xml(data: bytes, limits: ParserLimits | None = None) -> tuple[etree._Element, str | None]:
    """Parse ``data`` with every defence on; return the root (comments kept) and the RUID.

    Raises :class:`OtaParseError` (450) for anything that is not safe, well-formed XML.
    """
    limits = limits or ParserLimits()
    if not isinstance(data, bytes):
        raise TypeError("parse_xml takes the raw body as bytes")
    # Size first: ``strip()`` may copy the body.
    if len(data) > limits.max_bytes:
        raise _refuse(f"the message is {len(data)} bytes; at most {limits.max_bytes} are accepted")
    if not data.strip():
        raise _refuse("the message body is empty")
    if any(marker in data for marker in _DOCTYPE_MARKERS) or (
        b"\x00" in data and any(marker in data for marker in _UTF16_DOCTYPE_MARKERS)
    ):
        raise _refuse("DOCTYPE and ENTITY declarations are not accepted")
    # Every element has one start tag, and every start tag one "<" not followed by "/": an
    # upper bound on the elements (comments and CDATA count too), found in C before parsing.
    # A body no longer than the limit cannot hold more "<" than that.
    if len(data) > limits.element_limit and (
        data.count(b"<") - data.count(b"</") > limits.element_limit
    ):
        raise _refuse(f"the message has more than {limits.element_limit} elements")
    try:
        # libxml2 itself stops at 256 levels without ``huge_tree``, before any tree that deep
        # is built; the configured (lower) limit is checked on the parsed tree.
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise _refuse(f"the message is not well-formed XML: {error.msg}") from None
    if _deeper_than(limits.max_depth)(root):
        raise _refuse(f"elements are nested deeper than {limits.max_depth} levels")
    # 400,000 attributes on one element (5 MB) cost over a second to decode, redact and log.
    if len(data) >= ATTRIBUTE_CHECK_FROM and _CROWDED(root, limit=limits.max_attributes):
        raise _refuse(f"an element has more than {limits.max_attributes} attributes")
    ruid = _ruid(root)
    # ``DocInfo.doctype`` is missing from lxml-stubs; it is "" when there is no DOCTYPE.
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise _refuse("DOCTYPE declarations are not accepted")
    return root, ruid


def _strip_comments(root: etree._Element) -> None:
    for comment in list(root.iter(etree.Comment)):
        parent = comment.getparent()
        if parent is not None:
            # Keep the text that followed the comment (its tail) in document order.
            previous = comment.getprevious()
            if comment.tail:
                if previous is not None:
                    previous.tail = (previous.tail or "") + comment.tail
                else:
                    parent.text = (parent.text or "") + comment.tail
            parent.remove(comment)


def _unwrap_soap(root: etree._Element) -> tuple[etree._Element, bool]:
    qname = etree.QName(root)
    if qname.namespace not in SOAP_NAMESPACES:
        return root, False
    if qname.localname != "Envelope":
        raise _refuse(f"a SOAP message must start with Envelope, not {qname.localname}")
    body = root.find(f"{{{qname.namespace}}}Body")
    if body is None:
        raise OtaParseError(OtaErrorCode.REQUIRED_FIELD_MISSING, "the SOAP envelope has no Body")
    payload = [child for child in body if isinstance(child.tag, str)]
    if len(payload) != 1:
        raise OtaParseError(
            OtaErrorCode.REQUIRED_FIELD_MISSING,
            f"the SOAP Body must hold exactly one message, found {len(payload)}",
        )
    return payload[0], True


def _adopt_ota_namespace(root: etree._Element) -> None:
    """Some senders omit the OTA namespace; put their elements into it so one set of
    qualified names reads both forms."""
    for element in root.iter():
        if isinstance(element.tag, str) and not etree.QName(element).namespace:
            element.tag = f"{{{OTA_NS}}}{element.tag}"


def parse_document(
    data: bytes,
    expected_roots: Collection[str],
    *,
    limits: ParserLimits | None = None,
    namespace: str | None = OTA_NS,
) -> ParsedDocument:
    """Parse an inbound message whose root must be one of ``expected_roots``.

    ``namespace`` is the root's expected namespace: the OTA namespace (a namespace-less OTA
    message is accepted and moved into it), or ``None`` for Booking.com's B.XML.
    """
    raw_root, ruid = parse_xml(data, limits)
    root, soap = _unwrap_soap(raw_root)
    _strip_comments(root)
    qname = etree.QName(root)
    if namespace is not None and not qname.namespace and qname.localname.startswith("OTA_"):
        _adopt_ota_namespace(root)
        qname = etree.QName(root)
    if qname.localname not in expected_roots or (qname.namespace or None) != namespace:
        expected = " or ".join(sorted(expected_roots))
        raise _refuse(f"expected {expected}, got {qname.text}")
    return ParsedDocument(root=root, soap=soap, ruid=ruid)
