"""The message-log mask: card data and credentials never survive, useful content does."""

from __future__ import annotations

import pytest

from channel_manager.adapters.booking.ota.redact import MASK, redact
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from tests.unit.ota.samples import booking_sample, opentravel_sample


def test_card_number_and_security_code_are_blanked_in_a_booking_message() -> None:
    masked = redact(booking_sample("booking_res_notif_multi_room.xml"))
    assert b"5555555555554444" not in masked
    assert b'SeriesCode="737"' not in masked
    assert f'CardNumber="{MASK}"'.encode() in masked
    assert f'SeriesCode="{MASK}"'.encode() in masked
    # What we keep anyway stays readable, and the message still decodes.
    assert b"Anna de Vries" in masked
    assert b'ExpireDate="0828"' in masked
    assert b"RUID:" in masked
    assert decode_res_notif_rq(masked).reservations[0].reservation_id == "4105326478"


def test_message_password_is_blanked_and_echo_token_kept() -> None:
    masked = redact(opentravel_sample("OTA_HotelResNotifRQ2.xml"))
    assert b"ek^4$327F21" not in masked
    assert f'MessagePassword="{MASK}"'.encode() in masked
    assert b'EchoToken="7656"' in masked
    assert b"9999999999999999" not in masked  # not Luhn-valid, but named CardNumber
    assert b'SeriesCode="123"' not in masked


def test_card_number_elements_and_tokens_are_blanked() -> None:
    body = (
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">'
        b'<PaymentCard CardCode="VI"><CardNumber Token="tok_live_abc"><PlainText>4111111111111111'
        b"</PlainText></CardNumber><SeriesCode><PlainText>123</PlainText></SeriesCode></PaymentCard>"
        b"<Secret>hunter2</Secret><api_token>t0k3n</api_token></OTA_HotelResNotifRQ>"
    )
    masked = redact(body)
    for secret in (b"4111111111111111", b"tok_live_abc", b">123<", b"hunter2", b"t0k3n"):
        assert secret not in masked
    assert b'CardCode="VI"' in masked


def test_luhn_valid_numbers_in_free_text_are_blanked_but_ids_are_not() -> None:
    body = (
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">'
        b"<Text>my card is 4111 1111 1111 1111, phone +31 20 555 0199</Text>"
        b'<HotelReservationID ResID_Value="4105326478"/></OTA_HotelResNotifRQ>'
    )
    masked = redact(body)
    assert b"4111 1111 1111 1111" not in masked
    assert b"+31 20 555 0199" in masked
    assert b"4105326478" in masked


@pytest.mark.parametrize(
    "closing",
    [
        b"</Text></OTA_HotelResNotifRQ>",  # well-formed: parsed and rewritten
        b"</Text>",  # truncated: masked textually
    ],
)
def test_a_card_cut_by_comments_is_masked_as_one(closing: bytes) -> None:
    """A comment hides nothing: the text on both sides of it is read as one."""
    body = (
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"><Text>'
        b"pay 4111 1111<!-- --> 1111 1111 cvc 123, or 5555<!--a-->5555<!--b-->5555 4444"
        b'<Room ID="12"/>room 42<!-- 2025-01-31 --> 1234567' + closing
    )
    masked = redact(body)
    assert b"pay ***1111<!-- --> cvc ***, or ***4444<!--a--><!--b-->" in masked
    assert b"room 42<!-- 2025-01-31 --> 1234567" in masked
    assert b"1111 1111" not in masked
    assert b"5555" not in masked


def test_an_unterminated_comment_is_masked_in_linear_time() -> None:
    body = b"<Text>" + b"<!--1 " * 100_000 + b"4111111111111111"
    masked = redact(body)
    assert b"4111111111111111" not in masked


@pytest.mark.parametrize(
    "body",
    [
        b'<OTA_HotelResNotifRQ><PaymentCard CardNumber="4111111111111111" SeriesCode="999">',
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x CardNumber="4111111111111111"/>',
    ],
)
def test_malformed_or_hostile_bodies_are_masked_textually(body: bytes) -> None:
    masked = redact(body)
    assert b"4111111111111111" not in masked
    assert b'SeriesCode="999"' not in masked
    assert b"CardNumber=" in masked


def test_password_element_in_malformed_text_is_blanked() -> None:
    masked = redact(b"<login><password>s3cret</password><user>bob</user>")
    assert b"s3cret" not in masked
    assert b"bob" in masked


def test_an_element_with_a_hundred_thousand_attributes_is_masked_in_one_pass() -> None:
    """Reading attributes through ``attrib.items()`` is quadratic in lxml: this body (a push
    sender's, 1.4 MB) held a request thread for about a minute, a 5 MB one for hours. Every
    plain value must come back unchanged and in order, the card numbers masked.
    """
    plain = b" ".join(b'a%d="v%d"' % (i, i) for i in range(100_000))
    body = (
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" '
        + plain
        + b' CardNumber="4111111111111111" Remark="4111111111111111"/>'
    )

    masked = redact(body)

    assert plain in masked
    # A card named as one is blanked; one typed into free text keeps its last four digits.
    assert f'CardNumber="{MASK}" Remark="{MASK}1111"'.encode() in masked
    assert b"4111111111111111" not in masked
