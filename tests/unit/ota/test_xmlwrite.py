"""Text-written XML: any attribute value lxml accepts reads back unchanged; any it refuses is
refused here too, so the fast writer never sends what the tree builder would not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS, SOAP11_NS
from channel_manager.adapters.booking.ota.xmlwrite import ota_document, tag

#: Mostly the characters that need care, plus anything else Unicode has.
tricky_text = st.text(
    st.one_of(st.sampled_from("&<>\"'\t\n\r \x00\x01\x1f\ufffe\ud800é"), st.characters()),
    max_size=12,
)


def _lxml_refuses(value: str) -> bool:
    try:
        etree.Element("A", B=value)
    except ValueError:
        return True
    return False


@given(tricky_text)
def test_attribute_values_read_back_or_are_refused_like_lxml(value: str) -> None:
    if _lxml_refuses(value):
        with pytest.raises(ValueError, match="XML compatible"):
            tag("A", [("B", value)])
        return
    written = tag("A", [("B", value), ("C", None)], tag("D"))
    element = etree.fromstring(written.encode())
    assert element.get("B") == value
    assert element.get("C") is None
    assert [child.tag for child in element] == ["D"]


def test_documents_are_ota_and_optionally_wrapped_in_soap() -> None:
    plain = etree.fromstring(ota_document("OTA_X", [("Version", "1.0")], tag("Y"), soap=False))
    assert plain.tag == f"{{{OTA_NS}}}OTA_X"
    assert plain.get("Version") == "1.0"
    wrapped = etree.fromstring(ota_document("OTA_X", [], "", soap=True))
    assert wrapped.tag == f"{{{SOAP11_NS}}}Envelope"
    assert wrapped[0][0].tag == f"{{{OTA_NS}}}OTA_X"
