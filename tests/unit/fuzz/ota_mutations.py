"""Mutated OTA_HotelResNotifRQ / ResModifyNotifRQ messages for the push endpoint.

Seeds are real messages (Booking.com's examples and the OpenTravel 2011B samples); a mutation
changes an attribute, an element, a text, the ResStatus, the encoding, or the bytes themselves,
in the ways senders actually get messages wrong.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import attrs
from hypothesis import strategies as st
from lxml import etree

from tests.unit.fuzz.json_strategies import weighted

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SEED_FILES = (
    RESOURCES / "booking" / "booking_res_notif_multi_room.xml",
    RESOURCES / "booking" / "booking_res_modify_notif_jpy_and_cancel.xml",
    *sorted((RESOURCES / "ota-samples" / "opentravel-2011B").glob("OTA_HotelRes*NotifRQ*.xml")),
)
#: Digits long enough to be a card number (PAN) wherever they appear.
PAN = re.compile(rb"(?<!\d)\d{13,19}(?!\d)")

NASTY_ATTRIBUTE_VALUES: tuple[str, ...] = (
    "",
    " ",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e400",
    "NaN",
    "-13350",
    "12.5.3",
    "2025-02-30",
    "9999-12-31",
    "0001-01-01",
    "2025-06-10T25:61:00",
    "not-a-date",
    "XX",
    "eur",
    "Commit",
    "Modify",
    "Cancel",
    "Book",
    "x" * 300,
    "\u202e\U0001f600",
    "&amp;&lt;",
)
RES_STATUSES = ("Commit", "Modify", "Cancel", "Book", "", "commit", "Ignore")
ENCODINGS = ("UTF-8", "UTF-16", "ISO-8859-1", "ASCII")


@attrs.frozen
class Seed:
    """One real message, and the hotel and room type codes it names."""

    name: str
    body: bytes
    hotel_codes: tuple[str, ...]
    room_type_codes: tuple[str, ...]


@cache
def seeds() -> tuple[Seed, ...]:
    """The seed messages, read once."""
    found = []
    for path in SEED_FILES:
        body = path.read_bytes()
        root = etree.fromstring(body)
        found.append(
            Seed(
                name=path.name,
                body=body,
                hotel_codes=tuple(
                    sorted({str(e.get("HotelCode")) for e in root.iter() if e.get("HotelCode")})
                ),
                room_type_codes=tuple(
                    sorted(
                        {str(e.get("RoomTypeCode")) for e in root.iter() if e.get("RoomTypeCode")}
                    )
                ),
            )
        )
    return tuple(found)


def _elements(root: etree._Element) -> list[etree._Element]:
    return [element for element in root.iter() if isinstance(element.tag, str)]


@st.composite
def _mutate_tree(draw: st.DrawFn, root: etree._Element) -> None:
    """Apply one structural or value mutation to ``root`` in place."""
    elements = _elements(root)
    element = draw(st.sampled_from(elements))
    action = draw(
        st.sampled_from(
            (
                "attribute",
                "attribute",
                "drop attribute",
                "status",
                "text",
                "drop element",
                "duplicate element",
                "unknown element",
            )
        )
    )
    attributes = sorted(str(name) for name in element.attrib)
    if action == "attribute" and attributes:
        name = draw(st.sampled_from(attributes))
        element.set(name, draw(st.one_of(st.sampled_from(NASTY_ATTRIBUTE_VALUES), _xml_text())))
    elif action == "drop attribute" and attributes:
        del element.attrib[draw(st.sampled_from(attributes))]
    elif action == "status":
        root.set("ResStatus", draw(st.sampled_from(RES_STATUSES)))
    elif action == "text":
        element.text = draw(_xml_text())
    elif action == "drop element" and element is not root:
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)
    elif action == "duplicate element" and element is not root:
        element.addnext(etree.fromstring(etree.tostring(element)))
    else:
        etree.SubElement(element, draw(st.sampled_from(("Unknown", element.tag))))


def _xml_text() -> st.SearchStrategy[str]:
    """Text lxml can serialise (XML 1.0 has no NUL, no lone surrogates, few controls)."""
    return st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
        ),
        max_size=40,
    )


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    """A seed with zero to four tree mutations, serialised in some encoding (or the seed's own
    bytes), then sometimes damaged at the byte level."""
    seed = draw(st.sampled_from(seeds()))
    body = seed.body
    mutations = draw(st.sampled_from((1, 2, 0, 3, 4)))
    fresh_id = draw(st.sampled_from((True, False)))
    if mutations or fresh_id:
        root = etree.fromstring(seed.body)
        if fresh_id:
            # A new reservation, so the ledger applies it instead of answering "duplicate".
            res_id = str(draw(st.integers(min_value=10**9, max_value=10**10)))
            for element in root.iter():
                if element.get("ResID_Value"):
                    element.set("ResID_Value", res_id)
        for _ in range(mutations):
            draw(_mutate_tree(root))
        encoding = draw(st.sampled_from(ENCODINGS))
        serialised = etree.tostring(root, xml_declaration=True, encoding=encoding)
        assert isinstance(serialised, bytes)  # an encoding was named
        body = serialised
    sent: bytes = draw(weighted((st.just(body), 6), (_damaged(body), 1)))
    return sent


@st.composite
def _damaged(draw: st.DrawFn, body: bytes) -> bytes:
    """``body`` truncated, with bytes flipped, or with a declaration that lies."""
    action = draw(st.sampled_from(("truncate", "flip", "lying declaration", "bom")))
    if action == "truncate":
        return body[: draw(st.integers(min_value=0, max_value=len(body)))]
    if action == "flip":
        index = draw(st.integers(min_value=0, max_value=len(body) - 1))
        return body[:index] + bytes([body[index] ^ draw(st.integers(1, 255))]) + body[index + 1 :]
    if action == "bom":
        return b"\xef\xbb\xbf" + body
    declaration = b'<?xml version="1.0" encoding="UTF-16"?>'
    return declaration + body.split(b"?>", 1)[-1]


def hostile_messages() -> st.SearchStrategy[bytes]:
    """Bodies that are no OTA message at all: random bytes, other XML, parser attacks."""
    return st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            (
                b"",
                b"<",
                b"<OTA_HotelResNotifRQ/>",
                b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>',
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
                b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
                b"<a>" * 200 + b"</a>" * 200,
                b'{"json": "instead"}',
                b"<x:y xmlns:x='urn:x'><x:z/></x:y>",
            )
        ),
    )
