"""The message log masks JSON, form and XML bodies by the one set of rules (issue 12 §4): named
credentials and card fields blanked, card numbers in any other value masked to the last four."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from channel_manager.adapters.booking.message_log import mask_body
from channel_manager.adapters.booking.redaction import redact_xml_body

NBSP_CARD = "4111\u00a01111\u00a01111\u00a01111"


def test_json_credentials_are_blanked_and_cards_in_other_values_masked() -> None:
    body = json.dumps(
        {
            "access_token": "eyJ.secret.value",
            "refresh_token": "r-123456",
            "data": {"remark": f"card {NBSP_CARD} cvc 123", "booking_id": 4705950059},
            "notes": ["call +31 20 555 0199", "5555.5555.5555.4444"],
            "code": "oauth-code",
        }
    ).encode()

    masked = json.loads(mask_body(body, "application/json", redact_xml_body))

    assert masked["access_token"] == "***"
    assert masked["refresh_token"] == "***"
    assert masked["code"] == "***"
    assert masked["data"] == {"remark": "card ***1111 cvc ***", "booking_id": 4705950059}
    assert masked["notes"] == ["call +31 20 555 0199", "***4444"]


def test_form_credentials_are_blanked_and_cards_masked() -> None:
    body = b"grant_type=refresh_token&client_secret=hunter22&note=card+4111-1111-1111-1111"
    masked = parse_qs(mask_body(body, "application/x-www-form-urlencoded", redact_xml_body))
    assert masked == {
        "grant_type": ["refresh_token"],
        "client_secret": ["***"],
        "note": ["card ***1111"],
    }


def test_xml_free_text_with_any_separator_is_masked() -> None:
    body = (
        '<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">'
        f"<Text>pay with {NBSP_CARD} exp 08/29 cvv 987</Text>"
        '<HotelReservationID ResID_Value="4105326478"/></OTA_HotelResNotifRQ>'
    ).encode()
    masked = mask_body(body, "application/xml", redact_xml_body)
    assert "pay with ***1111 exp 08/29 cvv ***" in masked
    assert "4105326478" in masked
