"""Our Booking.com-style ``Version="2.001"`` samples decode exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from channel_manager.adapters.booking.ota.reservations import ResMessageKind, ResStatus
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from tests.unit.ota.samples import booking_sample


def test_multi_room_reservation_with_integer_amounts_commission_and_booker() -> None:
    data = booking_sample("booking_res_notif_multi_room.xml")
    request = decode_res_notif_rq(data)
    assert request.version == "2.001"
    assert request.ruid == "[UmFuZG9tSVYkc2RlIyh9YeRhbXBsZRUMXV2Mb8MHu3C5NbKyoP3xJ0p9f6YUe3k=]"
    (reservation,) = request.reservations
    assert reservation.status is ResStatus.COMMIT
    assert reservation.reservation_id == "4105326478"
    assert reservation.booked_at == datetime(2025, 3, 14, 9, 12, 31, tzinfo=UTC)
    assert reservation.hotel_code == "1234567"
    assert reservation.currency == "EUR"
    first, second = reservation.room_stays
    assert (first.index_number, first.room_type_code, first.rate_plan_code) == (
        "460",
        "123456701",
        "9876501",
    )
    assert first.room_name == "Double Room with Sea View"
    assert first.meal_plan == "Breakfast is included in the room rate."
    assert (first.arrival, first.departure) == (date(2025, 6, 10), date(2025, 6, 13))
    assert [rate.price.after_tax for rate in first.nightly_rates] == [
        Decimal("133.50"),
        Decimal("133.50"),
        Decimal("140.00"),
    ]
    assert sum(r.price.after_tax or 0 for r in first.nightly_rates) == Decimal("407.00")
    assert first.total is not None
    assert first.total.after_tax == Decimal("407.00")
    assert first.commission is not None
    assert first.commission.value == Decimal("40.05")
    assert first.guest_total == 2
    assert first.guest_rphs == ("1",)
    assert [(r.name, r.text) for r in first.special_requests] == [
        ("smoking preference", "Non-Smoking"),
        ("bed preference", "Large double bed"),
    ]
    assert (second.room_type_code, second.guest_total, second.guest_rphs) == (
        "123456702",
        1,
        ("2",),
    )
    assert second.total is not None
    assert second.total.after_tax == Decimal("216.00")
    assert reservation.total is not None
    assert reservation.total.after_tax == Decimal("623.00")
    assert reservation.total_commission is not None
    assert reservation.total_commission.value == Decimal("61.65")
    assert [g.customer.name.surname for g in reservation.guests] == ["de Vries", "Berg"]
    booker = reservation.booker
    assert booker is not None
    assert (booker.email, booker.phone) == ("anna.devries@example.nl", "+31 20 555 0199")
    assert booker.company_name == "De Vries Consultancy B.V."
    assert booker.address is not None
    assert (booker.address.city, booker.address.postal_code, booker.address.country_code) == (
        "Amsterdam",
        "1015 CJ",
        "NL",
    )
    assert reservation.comments == ("We will arrive around 22:00, please keep the rooms.",)
    card = reservation.payment_card
    assert card is not None
    assert (card.card_code, card.last_four, card.expire_date) == ("MC", "4444", "0828")
    decoded = repr(request)
    assert "5555555555554444" not in decoded
    assert "737" not in decoded  # the security code is never read


def test_modify_message_with_jpy_rate_ranges_and_a_cancellation() -> None:
    request = decode_res_notif_rq(booking_sample("booking_res_modify_notif_jpy_and_cancel.xml"))
    assert request.kind is ResMessageKind.MODIFY
    modified, cancelled = request.reservations
    assert modified.status is ResStatus.MODIFY
    assert modified.reservation_id == "3200117788"
    assert modified.last_modify_datetime == datetime(2025, 4, 2, 16, 39, 58, tzinfo=UTC)
    (stay,) = modified.room_stays
    assert (stay.arrival, stay.departure) == (date(2025, 5, 1), date(2025, 5, 4))
    # Rate ranges 05-01..05-03 (Total 36000 for both nights) and 05-03..05-04 expand to three
    # nights that add up to the stay Total; JPY has no decimals.
    assert [(r.night, r.price.after_tax) for r in stay.nightly_rates] == [
        (date(2025, 5, 1), Decimal(18000)),
        (date(2025, 5, 2), Decimal(18000)),
        (date(2025, 5, 3), Decimal(21000)),
    ]
    assert {r.rate_plan_code for r in stay.nightly_rates} == {"55001"}
    assert stay.guest_total == 3
    assert stay.guest_counts[1].age == 6
    assert modified.guests[0].customer.language == "ja"
    assert modified.currency == "JPY"
    # A HotelResModify without RoomStays is a cancellation.
    assert cancelled.status is ResStatus.CANCEL
    assert cancelled.reservation_id == "3200119901"
    assert cancelled.room_stays == ()
