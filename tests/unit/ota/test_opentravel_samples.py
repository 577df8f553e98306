"""Every OpenTravel 2011B sample of a kind we read decodes to the values a person reads in it.

Note on ``DecimalPlaces``: OTA says an integer amount with ``DecimalPlaces="2"`` is in minor
units ("USD 8500 needs DecimalPlaces=2 to represent $85"), so the billing samples'
``AmountAfterTax="200" DecimalPlaces="2"`` is 2.00, not 200: we follow the specification.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from channel_manager.adapters.booking.ota.reservations import ResMessageKind, ResStatus
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.ota.responses import ResAckKind, decode_res_acknowledgement
from channel_manager.adapters.booking.ota.search import decode_hotel_search_rs
from tests.support.ota_peer import (
    decode_avail_notif_rq,
    decode_avail_notif_rs,
    decode_hotel_search_rq,
    decode_rate_amount_notif_rq,
    decode_rate_amount_notif_rs,
)
from tests.unit.ota.samples import opentravel_sample


def test_res_notif_rq_commit_with_rate_range_and_card() -> None:
    request = decode_res_notif_rq(opentravel_sample("OTA_HotelResNotifRQ.xml"))
    assert request.kind is ResMessageKind.NEW
    assert request.timestamp == datetime(2005, 1, 26, 15, 22, tzinfo=UTC)  # -05:00 -> UTC
    (reservation,) = request.reservations
    assert reservation.status is ResStatus.COMMIT
    assert reservation.reservation_id == "7865"
    assert reservation.ids[0].source == "Travel Today"
    (stay,) = reservation.room_stays
    assert (stay.arrival, stay.departure) == (date(2005, 10, 18), date(2005, 10, 20))
    assert stay.rate_plan_code == "CORA999"
    assert stay.hotel_code == reservation.hotel_code == "WASJW"
    # One Rate 10-18..10-20 (ExpireDate = departure) is two nights at 280.00 before tax.
    assert [(r.night, r.price.before_tax) for r in stay.nightly_rates] == [
        (date(2005, 10, 18), Decimal("280.00")),
        (date(2005, 10, 19), Decimal("280.00")),
    ]
    assert stay.guest_total == 1
    assert stay.comments == ("non-smoking Room requested;king bed",)
    (guest,) = reservation.guests
    assert guest.customer.name.given_name == "David"
    assert guest.customer.name.surname == "Dewberry"
    assert guest.customer.email == "david.dewberry@dewberrycorp.com"
    assert guest.customer.phone == "7245554321"
    assert guest.customer.address is not None
    assert guest.customer.address.city == "Latrobe"
    assert guest.customer.address.country_name == "USA"
    card = reservation.payment_card
    assert card is not None
    assert (card.card_code, card.last_four, card.expire_date, card.holder_name) == (
        "VS",
        "1202",
        "1205",
        "David Dewberry",
    )
    assert "4111111111111202" not in repr(request)


def test_res_notif_rq2_three_guests_minor_unit_amounts_no_ids() -> None:
    request = decode_res_notif_rq(opentravel_sample("OTA_HotelResNotifRQ2.xml"))
    (reservation,) = request.reservations
    assert reservation.status is ResStatus.COMMIT  # no ResStatus: a new reservation
    assert reservation.reservation_id is None  # the sample carries no reservation id
    (stay,) = reservation.room_stays
    assert (stay.room_type_code, stay.rate_plan_code) == ("A1K", "RMTXFD")
    assert (stay.arrival, stay.departure) == (date(2011, 6, 1), date(2011, 6, 6))
    assert len(stay.nightly_rates) == 5  # an undated daily rate covers the TimeSpan
    assert {r.price.after_tax for r in stay.nightly_rates} == {Decimal("2.00")}
    assert reservation.currency == "USD"
    assert [g.customer.name.surname for g in reservation.guests] == ["Smith", "Jones", "Davidson"]
    assert [g.rph for g in reservation.guests] == ["1", "2", "3"]
    assert reservation.guests[0].primary is True
    assert reservation.payment_card is None  # cards only under ResGuest PaymentForm, not kept


def test_res_notif_rq3_confirmation_number_and_global_guarantee() -> None:
    request = decode_res_notif_rq(opentravel_sample("OTA_HotelResNotifRQ3.xml"))
    (reservation,) = request.reservations
    assert reservation.reservation_id == "193350531"
    assert reservation.ids[0].type == "40"
    card = reservation.payment_card
    assert card is not None
    assert (card.card_code, card.last_four, card.expire_date) == ("MC", "9999", "1212")
    assert card.holder_name == "Jane Smith"
    assert "SeriesCode" not in repr(card)
    assert len(reservation.guests) == 3


def test_res_notif_rq_disability_without_room_type_code() -> None:
    request = decode_res_notif_rq(opentravel_sample("OTA_HotelResNotifRQ_Disability.xml"))
    (reservation,) = request.reservations
    assert reservation.reservation_id == "7865"
    (stay,) = reservation.room_stays
    assert stay.room_type_code is None
    assert (stay.arrival, stay.departure) == (date(2012, 10, 18), date(2012, 10, 20))
    assert stay.hotel_code == "AAABC"
    assert reservation.guests[0].customer.name.surname == "Dewberry"


def test_res_modify_notif_rq_without_time_span_takes_dates_from_rates() -> None:
    request = decode_res_notif_rq(opentravel_sample("OTA_HotelResModifyNotifRQ.xml"))
    assert request.kind is ResMessageKind.MODIFY
    assert request.res_status == "Commit"
    (reservation,) = request.reservations
    assert reservation.status is ResStatus.MODIFY  # "commit" of a modification
    # UIT 14 ("Reservation") names the reservation (OTA_RESERVATIONS.md: 14 and 8 are the
    # channel's reference); the broker's own number (UIT 13) is kept among the ids.
    assert reservation.reservation_id == "82329987"
    assert [i.value for i in reservation.ids] == ["7865", "82329987"]
    (stay,) = reservation.room_stays
    assert (stay.arrival, stay.departure) == (date(2005, 10, 18), date(2005, 10, 21))
    assert len(stay.nightly_rates) == 3


def test_avail_notif_rq_booking_limits_with_inv_code() -> None:
    request = decode_avail_notif_rq(opentravel_sample("OTA_HotelAvailNotifRQ.xml"))
    assert request.hotel_code == "00000"
    assert [
        (m.booking_limit, m.control.inv_type_code, m.control.start, m.control.end)
        for m in request.messages
    ] == [
        (25, "STD", date(2004, 8, 2), date(2004, 8, 5)),
        (35, "STD", date(2004, 8, 6), date(2004, 8, 8)),
        (5, "DLX", date(2004, 8, 2), date(2004, 8, 5)),
        (8, "DLX", date(2004, 8, 6), date(2004, 8, 8)),
    ]
    assert {m.control.rate_plan_code for m in request.messages} == {"WHLS1"}
    assert {m.booking_limit_message_type for m in request.messages} == {"SetLimit"}


def test_avail_notif_rq2_full_pattern_los() -> None:
    request = decode_avail_notif_rq(opentravel_sample("OTA_HotelAvailNotifRQ2.xml"))
    assert request.hotel_code == "HOTEL"
    assert [m.control.rate_plan_code for m in request.messages] == [
        "Expedia1",
        "Expedia2",
        "Expedia3",
    ]
    patterns = [m.lengths_of_stay[0].full_pattern_los for m in request.messages]
    assert patterns == ["NYYYNNNN", "NNNNNNNN", "NNYYNNYN"]
    assert request.messages[0].control.start == request.messages[0].control.end == date(2004, 6, 1)


def test_avail_notif_rq3_open_status_per_length() -> None:
    request = decode_avail_notif_rq(opentravel_sample("OTA_HotelAvailNotifRQ3.xml"))
    first = request.messages[0].lengths_of_stay
    assert [(los.time, los.open_status_indicator) for los in first] == [
        (1, False), (2, True), (3, True), (4, True), (5, False), (6, False), (7, False), (8, False),
    ]  # fmt: skip
    assert {los.time_unit for los in first} == {"Day"}


def test_avail_notif_rq4_lengths_without_open_status() -> None:
    request = decode_avail_notif_rq(opentravel_sample("OTA_HotelAvailNotifRQ4.xml"))
    assert [[los.time for los in m.lengths_of_stay] for m in request.messages] == [
        [2, 3, 4],
        [],
        [3, 4, 7],
    ]


def test_avail_notif_rq5_start_only_controls() -> None:
    request = decode_avail_notif_rq(opentravel_sample("OTA_HotelAvailNotifRQ5.xml"))
    assert request.hotel_code == "JUMBCH"
    assert len(request.messages) == 7
    assert [m.control.start for m in request.messages][:2] == [date(2004, 5, 1), date(2004, 5, 2)]
    assert all(m.control.end == m.control.start for m in request.messages)  # no End: one day
    assert {(m.control.inv_type_code, m.control.rate_plan_code) for m in request.messages} == {
        ("ROH", "RACK")
    }


def test_avail_notif_rq6_adjust_limits_with_and_without_room() -> None:
    request = decode_avail_notif_rq(opentravel_sample("OTA_HotelAvailNotifRQ6.xml"))
    assert [m.booking_limit for m in request.messages] == [40, 30, 0, 10, 20, 15]
    assert {m.booking_limit_message_type for m in request.messages} == {"AdjustLimit"}
    assert request.messages[0].control.inv_type_code is None
    assert request.messages[5].control.inv_type_code == "CLBS"
    assert request.messages[5].control.end == date(2004, 4, 18)


def test_avail_notif_rs_samples_are_successes() -> None:
    for name in ("", "2", "3", "4"):
        response = decode_avail_notif_rs(opentravel_sample(f"OTA_HotelAvailNotifRS{name}.xml"))
        assert response.success is True
        assert response.errors == response.warnings == ()
        assert response.echo_token == "String"


def test_rate_amount_notif_rq_decimal_amount() -> None:
    request = decode_rate_amount_notif_rq(opentravel_sample("OTA_HotelRateAmountNotifRQ.xml"))
    assert request.hotel_code == "ATLPE"
    (message,) = request.messages
    assert (message.control.inv_type_code, message.control.rate_plan_code) == ("STD", "BARA00")
    assert message.control.start == message.control.end == date(2005, 4, 1)
    assert message.currency_code == "USD"
    (amount,) = message.amounts
    assert amount.amount == Decimal("100.00")
    assert amount.after_tax is False


def test_rate_amount_notif_rs_success() -> None:
    response = decode_rate_amount_notif_rs(opentravel_sample("OTA_HotelRateAmountNotifRS.xml"))
    assert response.success is True
    assert response.version == "1.000"


def test_hotel_search_rq_without_pagination() -> None:
    request = decode_hotel_search_rq(opentravel_sample("OTA_HotelSearchRQ.xml"))
    assert request.version == "3.001"
    assert (request.page, request.page_size) == (None, None)


def test_hotel_search_rs_three_properties() -> None:
    response = decode_hotel_search_rs(opentravel_sample("OTA_HotelSearchRS.xml"))
    assert response.success is True
    assert [(p.hotel_code, p.hotel_name, p.chain_code) for p in response.properties] == [
        ("abc123", "Hotel ABC", "AA"),
        ("abc234", "Hotel DEF", "AB"),
        ("abc678", "Hotel GHI", "AC"),
    ]
    assert {p.city_code for p in response.properties} == {"NYC"}


def test_res_notif_rs_acknowledges_two_ids() -> None:
    for name in ("OTA_HotelResNotifRS.xml", "OTA_HotelResNotifRS_Disability.xml"):
        ack = decode_res_acknowledgement(opentravel_sample(name))
        assert ack.kind is ResAckKind.NEW
        assert ack.success is True
        (reservation,) = ack.reservations
        assert [(i.type, i.value) for i in reservation.ids] == [("13", "7865"), ("14", "82329987")]


def test_res_notif_rs2_plain_success() -> None:
    ack = decode_res_acknowledgement(opentravel_sample("OTA_HotelResNotifRS2.xml"))
    assert ack.success is True
    assert ack.reservations == ()
    assert ack.timestamp == datetime(2011, 11, 6, 10, 25, 40, tzinfo=UTC)


def test_res_notif_rs3_error_with_text() -> None:
    ack = decode_res_acknowledgement(opentravel_sample("OTA_HotelResNotifRS3.xml"))
    assert ack.success is False
    (error,) = ack.errors
    assert error.type == "12"
    assert error.short_text == "RMTXFD is not a recognized billing instruction code."


def test_res_notif_rs_record_level_warnings() -> None:
    ack = decode_res_acknowledgement(
        opentravel_sample("OTA_HotelResNotifRS_RecordLevelProcessingErrors.xml")
    )
    assert ack.success is True
    assert [(w.record_id, w.status, w.short_text) for w in ack.warnings] == [
        ("123456", "NotProcessed", "A required field is missing."),
        ("123477", "NotProcessed", "Invalid Room Type Code."),
    ]
    assert ack.warnings[1].tag is not None
    assert "InvalidRoomType" in ack.warnings[1].tag


def test_res_modify_notif_rs_uses_modify_container() -> None:
    ack = decode_res_acknowledgement(opentravel_sample("OTA_HotelResModifyNotifRS.xml"))
    assert ack.kind is ResAckKind.MODIFY
    (reservation,) = ack.reservations
    assert [i.value for i in reservation.ids] == ["7865", "82329987"]
