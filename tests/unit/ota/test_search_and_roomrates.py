"""OTA_HotelSearch pagination forms and the B.XML roomrates call."""

from __future__ import annotations

import pytest

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.roomrates import (
    RatePlanEntry,
    RoomEntry,
    RoomRatesRequest,
    RoomRatesResponse,
    decode_roomrates_response,
    encode_roomrates_request,
)
from channel_manager.adapters.booking.ota.search import (
    HotelSearchRQ,
    decode_hotel_search_rs,
    encode_hotel_search_rq,
)
from tests.support.ota_peer import (
    decode_hotel_search_rq,
    decode_roomrates_request,
    encode_roomrates_response,
)
from tests.unit.ota.samples import OtaSchemas


def test_default_search_request_is_schema_valid_first_page_of_100(ota_schemas: OtaSchemas) -> None:
    data = encode_hotel_search_rq(HotelSearchRQ())
    ota_schemas.assert_valid(data)
    assert b'<Pagination Page="1" PageSize="100"/>' in data
    assert decode_hotel_search_rq(data) == HotelSearchRQ()


def test_pagination_at_the_root_round_trips() -> None:
    request = HotelSearchRQ(page=3, page_size=50, pagination_at_root=True)
    data = encode_hotel_search_rq(request)
    assert b"<Criteria>" not in data
    assert decode_hotel_search_rq(data) == request


def test_search_response_with_currency_and_ruid() -> None:
    data = (
        b'<OTA_HotelSearchRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0"><Success/>'
        b'<Properties><Property HotelCode="1234567" HotelName="Hotel Aurora" CurrencyCode="EUR"/>'
        b"</Properties></OTA_HotelSearchRS><!-- RUID: [abc] -->"
    )
    response = decode_hotel_search_rs(data)
    assert [(p.hotel_code, p.hotel_name, p.currency_code) for p in response.properties] == [
        ("1234567", "Hotel Aurora", "EUR")
    ]
    assert response.ruid == "[abc]"


def test_search_response_property_without_hotel_code_is_refused() -> None:
    data = (
        b'<OTA_HotelSearchRS xmlns="http://www.opentravel.org/OTA/2003/05"><Success/>'
        b'<Properties><Property HotelName="nameless"/></Properties></OTA_HotelSearchRS>'
    )
    with pytest.raises(OtaParseError) as caught:
        decode_hotel_search_rs(data)
    assert caught.value.ota_code is OtaErrorCode.REQUIRED_FIELD_MISSING
    assert "Property/@HotelCode" in caught.value.message


def test_roomrates_request_body() -> None:
    data = encode_roomrates_request(RoomRatesRequest(hotel_id="1234567"))
    assert data.endswith(b"<request><hotel_id>1234567</hotel_id></request>")
    assert decode_roomrates_request(data) == RoomRatesRequest(hotel_id="1234567")


def test_roomrates_response_round_trips_and_reads_booking_shape() -> None:
    response = RoomRatesResponse(
        rooms=(
            RoomEntry(
                id="123456701",
                name="Double Room",
                max_persons=2,
                rates=(RatePlanEntry(id="9876501", name="Standard"), RatePlanEntry(id="9876503")),
            ),
            RoomEntry(id="123456702", rates=()),
        )
    )
    assert decode_roomrates_response(encode_roomrates_response(response)) == response
    data = (
        b'<roomrates><room id="1" name="Twin" max_persons="2"><rates><rate id="7" name="NR"/>'
        b"</rates></room></roomrates>\n<!-- RUID: [x1] -->"
    )
    decoded = decode_roomrates_response(data)
    assert decoded.rooms[0].rates == (RatePlanEntry(id="7", name="NR"),)
    assert decoded.ruid == "[x1]"


def test_roomrates_error_answer_raises_with_its_text() -> None:
    data = b'<errors><error code="403">Access denied for hotel 1</error></errors>'
    with pytest.raises(OtaParseError, match="Access denied for hotel 1"):
        decode_roomrates_response(data)


def test_roomrates_invalid_max_persons_is_320() -> None:
    with pytest.raises(OtaParseError) as caught:
        decode_roomrates_response(b'<roomrates><room id="1" max_persons="two"/></roomrates>')
    assert caught.value.ota_code is OtaErrorCode.INVALID_VALUE


def test_roomrates_request_without_hotel_is_321() -> None:
    with pytest.raises(OtaParseError) as caught:
        decode_roomrates_request(b"<request><hotel_id> </hotel_id></request>")
    assert caught.value.ota_code is OtaErrorCode.REQUIRED_FIELD_MISSING
