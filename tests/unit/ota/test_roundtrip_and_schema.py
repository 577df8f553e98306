"""Every outbound message validates against the 2015B schemas, fixed examples and
Hypothesis-generated ones alike; decoders read back exactly what the encoders wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channel_manager.adapters.booking.ota import ari, responses, search
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import ResNotifRQ
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from tests.support import ota_peer
from tests.support.ota_reservations_encode import encode_res_notif_rq
from tests.unit.ota import strategies
from tests.unit.ota.samples import OtaSchemas, booking_sample

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(strategies.avail_notif_rq())
def test_avail_notif_rq_validates_and_round_trips(
    ota_schemas: OtaSchemas, request: ari.AvailNotifRQ
) -> None:
    data = ari.encode_avail_notif_rq(request)
    ota_schemas.assert_valid(data)
    assert ota_peer.decode_avail_notif_rq(data) == request


@SETTINGS
@given(strategies.rate_amount_notif_rq())
def test_rate_amount_notif_rq_validates_and_round_trips(
    ota_schemas: OtaSchemas, request: ari.RateAmountNotifRQ
) -> None:
    data = ari.encode_rate_amount_notif_rq(request)
    ota_schemas.assert_valid(data)
    assert ota_peer.decode_rate_amount_notif_rq(data) == request


@SETTINGS
@given(
    strategies.notif_response(),
    st.sampled_from(["OTA_HotelAvailNotifRS", "OTA_HotelRateAmountNotifRS"]),
)
def test_notif_responses_validate_and_round_trip(
    ota_schemas: OtaSchemas, response: responses.NotifResponse, root_name: str
) -> None:
    data = ota_peer.encode_notif_response(root_name, response)
    ota_schemas.assert_valid(data)
    assert responses.decode_notif_response(data, root_name) == response


@SETTINGS
@given(strategies.res_acknowledgement())
def test_res_acknowledgements_validate_and_round_trip(
    ota_schemas: OtaSchemas, ack: responses.ResAcknowledgement
) -> None:
    data = responses.encode_res_acknowledgement(ack)
    ota_schemas.assert_valid(data)
    assert responses.decode_res_acknowledgement(data) == ack


@SETTINGS
@given(strategies.hotel_search_rq())
def test_hotel_search_rq_validates_and_round_trips(
    ota_schemas: OtaSchemas, request: search.HotelSearchRQ
) -> None:
    data = search.encode_hotel_search_rq(request)
    ota_schemas.assert_valid(data)
    assert ota_peer.decode_hotel_search_rq(data) == request


@SETTINGS
@given(strategies.hotel_search_rs())
def test_hotel_search_rs_round_trips(response: search.HotelSearchRS) -> None:
    assert search.decode_hotel_search_rs(ota_peer.encode_hotel_search_rs(response)) == response


@SETTINGS
@given(strategies.res_notif_rq())
def test_reservation_messages_validate_and_round_trip(
    ota_schemas: OtaSchemas, request: ResNotifRQ
) -> None:
    data = encode_res_notif_rq(request)
    ota_schemas.assert_valid(data)
    assert decode_res_notif_rq(data) == request


def test_booking_sample_re_encodes_to_a_valid_message(ota_schemas: OtaSchemas) -> None:
    request = decode_res_notif_rq(booking_sample("booking_res_notif_multi_room.xml"))
    data = encode_res_notif_rq(request)
    ota_schemas.assert_valid(data)
    assert b"5555555555554444" not in data
    assert b"xxxxxxxxxxxx4444" in data


def test_avail_notif_rq_fixed_example_has_booking_shape(ota_schemas: OtaSchemas) -> None:
    request = ari.AvailNotifRQ(
        hotel_code="1234567",
        timestamp=datetime(2025, 1, 1, 12, tzinfo=UTC),
        messages=(
            ari.AvailStatusMessage(
                control=ari.StatusApplicationControl(
                    start=date(2025, 2, 1),
                    end=date(2025, 2, 28),
                    inv_type_code="101",
                    rate_plan_code="9",
                ),
                booking_limit=4,
                locator_id=1,
                lengths_of_stay=(
                    ari.LengthOfStay(min_max_message_type="SetMinLOS", time=2),
                    ari.LengthOfStay(min_max_message_type="SetMaxLOS", time=14),
                ),
                restriction_status=ari.RestrictionStatus(status="Close", restriction="Arrival"),
            ),
        ),
    )
    data = ari.encode_avail_notif_rq(request)
    ota_schemas.assert_valid(data)
    assert b'Version="1.005"' in data
    assert b'<StatusApplicationControl Start="2025-02-01" End="2025-02-28"' in data
    assert b'InvTypeCode="101"' in data
    assert b'<LengthOfStay Time="2" MinMaxMessageType="SetMinLOS"/>' in data
    assert b'<RestrictionStatus Restriction="Arrival" Status="Close"/>' in data


def test_rate_amount_is_written_as_integer_with_decimal_places(ota_schemas: OtaSchemas) -> None:
    control = ari.StatusApplicationControl(
        start=date(2025, 2, 1), end=date(2025, 2, 1), inv_type_code="101", rate_plan_code="9"
    )
    request = ari.RateAmountNotifRQ(
        hotel_code="1",
        messages=(
            ari.RateAmountMessage(
                control=control,
                amounts=(
                    ari.BaseByGuestAmt(
                        amount=Decimal("133.5"), decimal_places=2, number_of_guests=2
                    ),
                ),
                currency_code="EUR",
            ),
        ),
    )
    data = ari.encode_rate_amount_notif_rq(request)
    ota_schemas.assert_valid(data)
    assert b'Version="3.000"' in data
    assert b'AmountAfterTax="13350" DecimalPlaces="2" NumberOfGuests="2"' in data


def test_inexact_amount_is_refused() -> None:
    control = ari.StatusApplicationControl(start=date(2025, 2, 1), end=date(2025, 2, 1))
    request = ari.RateAmountNotifRQ(
        hotel_code="1",
        messages=(
            ari.RateAmountMessage(
                control=control,
                amounts=(ari.BaseByGuestAmt(amount=Decimal("1.005"), decimal_places=2),),
            ),
        ),
    )
    with pytest.raises(ValueError, match="exactly"):
        ari.encode_rate_amount_notif_rq(request)


def test_acknowledgement_lists_each_reservation_id(ota_schemas: OtaSchemas) -> None:
    ack = responses.ResAcknowledgement(
        reservations=(
            responses.AcknowledgedReservation(
                ids=(HotelReservationId(value="4105326478"),), hotel_code="1"
            ),
            responses.AcknowledgedReservation(ids=(HotelReservationId(value="4105326479"),)),
        ),
        timestamp=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=5),
    )
    data = responses.encode_res_acknowledgement(ack)
    ota_schemas.assert_valid(data)
    assert data.count(b"<HotelReservationID ") == 2
    assert b"<Success/>" in data


def test_error_acknowledgement_and_soap_form(ota_schemas: OtaSchemas) -> None:
    ack = responses.ResAcknowledgement(
        success=False,
        errors=(responses.OtaIssue(type="3", code="450", short_text="Unable to process"),),
    )
    plain = responses.encode_res_acknowledgement(ack)
    ota_schemas.assert_valid(plain)
    wrapped = responses.encode_res_acknowledgement(ack, soap=True)
    assert wrapped.startswith(b"<?xml")
    assert b"soap:Envelope" in wrapped
    assert b"<Success/>" not in wrapped
    assert responses.decode_res_acknowledgement(wrapped) == ack
