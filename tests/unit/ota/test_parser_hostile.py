"""Hostile and malformed input: every case raises OtaParseError with a code and a readable
message, and nothing is read from the file system or the network."""

from __future__ import annotations

import builtins
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.parser import (
    ATTRIBUTE_CHECK_FROM,
    ParserLimits,
    parse_document,
)
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from tests.support.ota_peer import decode_avail_notif_rq
from tests.unit.ota.samples import opentravel_sample

OTA = "http://www.opentravel.org/OTA/2003/05"
RES_NOTIF = {"OTA_HotelResNotifRQ"}

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">&lol9;</OTA_HotelResNotifRQ>"""


def _xxe(system_id: str) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{system_id}">]>'
        f'<OTA_HotelResNotifRQ xmlns="{OTA}" Version="2.001"><HotelReservations>'
        "<HotelReservation><ResGlobalInfo><Comments><Comment><Text>&xxe;</Text></Comment>"
        "</Comments></ResGlobalInfo></HotelReservation></HotelReservations></OTA_HotelResNotifRQ>"
    ).encode()


@pytest.fixture
def no_io(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) any attempt to open a file or a socket from Python code."""
    attempts: list[str] = []

    def refuse_open(*args: Any, **kwargs: Any) -> Any:
        attempts.append(f"open {args[0]!r}")
        raise AssertionError("the parser must not open files")

    def refuse_connect(*args: Any, **kwargs: Any) -> Any:
        attempts.append(f"connect {args!r}")
        raise AssertionError("the parser must not open connections")

    monkeypatch.setattr(builtins, "open", refuse_open)
    monkeypatch.setattr(Path, "open", refuse_open)
    monkeypatch.setattr(socket, "create_connection", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    return attempts


def _error(data: bytes, **kwargs: Any) -> OtaParseError:
    with pytest.raises(OtaParseError) as caught:
        parse_document(data, RES_NOTIF, **kwargs)
    return caught.value


def test_billion_laughs_is_refused_without_expansion(no_io: list[str]) -> None:
    error = _error(BILLION_LAUGHS)
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "DOCTYPE" in error.message
    assert no_io == []


@pytest.mark.parametrize(
    "system_id", ["file:///etc/passwd", "http://127.0.0.1:9/evil.dtd", "https://example.invalid/x"]
)
def test_external_entities_are_refused_and_never_fetched(system_id: str, no_io: list[str]) -> None:
    error = _error(_xxe(system_id))
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "DOCTYPE" in error.message
    assert "root:" not in str(error)  # nothing of /etc/passwd leaked into the message
    assert no_io == []


def test_external_dtd_reference_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE OTA_HotelResNotifRQ SYSTEM "http://example.invalid/x.dtd">'
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'
    )
    assert _error(data).ota_code is OtaErrorCode.UNABLE_TO_PROCESS


def test_doctype_hidden_in_utf16_is_refused_after_parsing() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16")
    error = _error(data)
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "DOCTYPE" in error.message


def test_oversized_body_is_refused_before_parsing() -> None:
    data = b"<OTA_HotelResNotifRQ>" + b" " * 2048 + b"</OTA_HotelResNotifRQ>"
    error = _error(data, limits=ParserLimits(max_bytes=1024))
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "1024" in error.message


def test_default_size_limit_is_five_mebibytes() -> None:
    data = b"<a>" + b"x" * (5 * 1024 * 1024) + b"</a>"
    assert "5242880" in _error(data).message


def test_too_deep_nesting_is_refused_while_parsing() -> None:
    data = b"<a>" * 65 + b"</a>" * 65
    error = _error(data)
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "64" in error.message


def test_depth_limit_is_configurable() -> None:
    data = b"<a>" * 5 + b"</a>" * 5
    assert "deeper than 4" in _error(data, limits=ParserLimits(max_depth=4)).message


def test_a_body_of_empty_elements_is_refused_before_parsing(no_io: list[str]) -> None:
    """740,000 ``<Text/>`` in 5 MiB built an 85 MiB tree and took seconds to log (R3)."""
    data = f'<OTA_HotelResNotifRQ xmlns="{OTA}">'.encode() + b"<Text/>" * 740_000
    data += b"</OTA_HotelResNotifRQ>"
    error = _error(data)
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "more than 262144 elements" in error.message
    assert no_io == []


def test_element_limit_is_configurable_and_counts_start_tags_only() -> None:
    data = b"<a>" + b"<b></b>" * 4 + b"</a>"  # five elements, nine tags
    assert parse_document(data, {"a"}, namespace=None, limits=ParserLimits(max_elements=5))
    assert "more than 4 elements" in _error(data, limits=ParserLimits(max_elements=4)).message


def test_an_element_crowded_with_attributes_is_refused_in_a_large_body() -> None:
    """400,000 attributes on one element (5 MB) took over a second to decode, redact and log."""
    crowded = b" ".join(b'a%d="1"' % i for i in range(20_000))
    data = f'<OTA_HotelResNotifRQ xmlns="{OTA}" '.encode() + crowded + b"/>"
    assert len(data) >= ATTRIBUTE_CHECK_FROM
    error = _error(data)
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "more than 64 attributes" in error.message


def test_attribute_count_is_left_alone_in_small_bodies() -> None:
    """Below ATTRIBUTE_CHECK_FROM the walk would cost more than the attributes can."""
    crowded = b" ".join(b'a%d="1"' % i for i in range(100))
    data = f'<OTA_HotelResNotifRQ xmlns="{OTA}" '.encode() + crowded + b"/>"
    assert parse_document(data, RES_NOTIF).name == "OTA_HotelResNotifRQ"


def test_real_reservations_fill_the_size_limit_within_the_default_element_limit() -> None:
    """The default allows one element per 20 bytes; Booking.com's own messages, without any
    whitespace, still need more than that, so a full-size real message is never refused."""
    sample = opentravel_sample("OTA_HotelResNotifRQ.xml").split(b"?>", 1)[1]
    compact = re.sub(rb">\s+<", b"><", sample)
    start = compact.index(b"<HotelReservation>")
    end = compact.index(b"</HotelReservations>")
    reservation = compact[start:end]
    limits = ParserLimits(max_bytes=1024 * 1024)
    copies = (limits.max_bytes - len(compact)) // len(reservation)
    data = compact[:end] + reservation * copies + compact[end:]
    assert len(data) <= limits.max_bytes
    assert parse_document(data, RES_NOTIF, limits=limits).name == "OTA_HotelResNotifRQ"


@pytest.mark.parametrize("data", [b"", b"   ", b"not xml at all", b'{"json": true}', b"<a><b></a>"])
def test_not_xml_is_refused(data: bytes) -> None:
    error = _error(data)
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert error.message


def test_wrong_root_is_refused_with_both_names() -> None:
    error = _error(f'<OTA_HotelAvailNotifRQ xmlns="{OTA}"/>'.encode())
    assert error.ota_code is OtaErrorCode.UNABLE_TO_PROCESS
    assert "OTA_HotelResNotifRQ" in error.message
    assert "OTA_HotelAvailNotifRQ" in error.message


def test_right_name_in_a_foreign_namespace_is_refused() -> None:
    error = _error(b'<OTA_HotelResNotifRQ xmlns="urn:someone-else"/>')
    assert "urn:someone-else" in error.message


def test_missing_required_attribute_names_it() -> None:
    data = (
        f'<OTA_HotelAvailNotifRQ xmlns="{OTA}" Version="1.005"><AvailStatusMessages HotelCode="1">'
        '<AvailStatusMessage><StatusApplicationControl End="2025-01-01"/></AvailStatusMessage>'
        "</AvailStatusMessages></OTA_HotelAvailNotifRQ>"
    ).encode()
    with pytest.raises(OtaParseError) as caught:
        decode_avail_notif_rq(data)
    assert caught.value.ota_code is OtaErrorCode.REQUIRED_FIELD_MISSING
    assert caught.value.error_type == "10"
    assert "StatusApplicationControl/@Start" in caught.value.message


def test_invalid_value_is_reported_as_320() -> None:
    data = (
        f'<OTA_HotelResNotifRQ xmlns="{OTA}" ResStatus="Maybe"><HotelReservations>'
        "<HotelReservation/></HotelReservations></OTA_HotelResNotifRQ>"
    ).encode()
    with pytest.raises(OtaParseError) as caught:
        decode_res_notif_rq(data)
    assert caught.value.ota_code is OtaErrorCode.INVALID_VALUE
    assert "'Maybe'" in caught.value.message


def test_an_echo_token_longer_than_ota_allows_is_refused() -> None:
    """The EchoToken is echoed in the answer and logged with it: a 5 MB one cost a second and
    15 MB per refusal (R3). OTA types it StringLength1to128."""
    body = '<OTA_HotelResNotifRQ xmlns="{ns}" EchoToken="{token}"><HotelReservations>'
    body += "<HotelReservation/></HotelReservations></OTA_HotelResNotifRQ>"
    assert decode_res_notif_rq(body.format(ns=OTA, token="e" * 128).encode()).echo_token
    with pytest.raises(OtaParseError) as caught:
        decode_res_notif_rq(body.format(ns=OTA, token="e" * 129).encode())
    assert caught.value.ota_code is OtaErrorCode.INVALID_VALUE
    assert "EchoToken is 129 characters" in caught.value.message


def test_soap_wrapped_message_is_unwrapped_and_reported() -> None:
    inner = opentravel_sample("OTA_HotelResNotifRQ.xml").split(b"?>", 1)[1]
    data = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soap:Header/><soap:Body>" + inner + b"</soap:Body></soap:Envelope>"
    )
    document = parse_document(data, RES_NOTIF)
    assert document.soap is True
    assert document.name == "OTA_HotelResNotifRQ"
    request = decode_res_notif_rq(data)
    assert request.soap is True
    assert request.reservations[0].reservation_id == "7865"


def test_soap_envelope_without_body_is_refused() -> None:
    data = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>'
    )
    error = _error(data)
    assert error.ota_code is OtaErrorCode.REQUIRED_FIELD_MISSING
    assert "Body" in error.message


def test_soap_body_with_two_messages_is_refused() -> None:
    data = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>'
        b"</s:Body></s:Envelope>"
    )
    assert "exactly one" in _error(data).message


def test_plain_message_is_not_marked_soap_and_comments_are_gone() -> None:
    data = opentravel_sample("OTA_HotelResNotifRQ.xml")
    document = parse_document(data, RES_NOTIF)
    assert document.soap is False
    assert not any(not isinstance(element.tag, str) for element in document.root.iter()), (
        "comments must be stripped"
    )


def test_ruid_comment_is_captured() -> None:
    data = f'<OTA_HotelAvailNotifRS xmlns="{OTA}"><Success/></OTA_HotelAvailNotifRS>'.encode()
    data += b"\n<!-- RUID: [UmFuZG9tSVYkc2RlIyh9Yb==] -->"
    document = parse_document(data, {"OTA_HotelAvailNotifRS"})
    assert document.ruid == "[UmFuZG9tSVYkc2RlIyh9Yb==]"


def test_namespace_less_ota_message_is_accepted() -> None:
    data = (
        b'<OTA_HotelResNotifRQ Version="2.001"><HotelReservations><HotelReservation>'
        b'<ResGlobalInfo><HotelReservationIDs><HotelReservationID ResID_Value="42"/>'
        b"</HotelReservationIDs></ResGlobalInfo></HotelReservation></HotelReservations>"
        b"</OTA_HotelResNotifRQ>"
    )
    assert decode_res_notif_rq(data).reservations[0].reservation_id == "42"


def test_parse_error_str_carries_code_and_message() -> None:
    error = _error(b"<<<")
    assert str(error).startswith("OTA error 450: ")
    assert error.error_type == "7"
