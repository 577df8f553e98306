"""The reservation decoder reads each element's children in one pass and picks up on the way
what it used to look up again afterwards (a room stay's Guarantee, a rate's Fees, a room
rate's PromotionCode). These pin what that pass must keep: the first of repeated children,
the document order of what it collects, and a Rate with other attributes still dated by its
RoomRate.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from channel_manager.adapters.booking.ota.reservations import OtaRoomStay, Total
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq


def _message(room_stays: str, global_info: str = "") -> bytes:
    return (
        '<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="2.001">'
        "<HotelReservations><HotelReservation>"
        f"<RoomStays>{room_stays}</RoomStays>"
        f"<ResGlobalInfo>{global_info}"
        '<HotelReservationIDs><HotelReservationID ResID_Value="77"/></HotelReservationIDs>'
        "</ResGlobalInfo></HotelReservation></HotelReservations></OTA_HotelResNotifRQ>"
    ).encode()


def _room_rate(night: str, rate: str, **attributes: str) -> str:
    written = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return f'<RoomRate EffectiveDate="{night}"{written}><Rates>{rate}</Rates></RoomRate>'


def _stay(body: bytes) -> OtaRoomStay:
    (reservation,) = decode_res_notif_rq(body).reservations
    (stay,) = reservation.room_stays
    return stay


def test_the_first_of_repeated_children_is_read() -> None:
    rate = (
        '<Rate><Total AmountAfterTax="100" CurrencyCode="EUR"/>'
        '<Total AmountAfterTax="999" CurrencyCode="EUR"/></Rate>'
    )
    stay = _stay(
        _message(
            '<RoomStay><RoomTypes><RoomType RoomTypeCode="A"/><RoomType RoomTypeCode="B"/>'
            f"</RoomTypes><RoomRates>{_room_rate('2027-01-01', rate)}</RoomRates>"
            '<BasicPropertyInfo HotelCode="1"/><BasicPropertyInfo HotelCode="2"/></RoomStay>'
        )
    )
    assert stay.room_type_code == "A"
    assert stay.hotel_code == "1"
    assert [rate.price for rate in stay.nightly_rates] == [
        Total(after_tax=Decimal(100), currency="EUR")
    ]


def test_a_rate_with_other_attributes_is_dated_by_its_room_rate() -> None:
    rate = '<Rate RateTimeUnit="Day"><Base AmountAfterTax="80" CurrencyCode="EUR"/></Rate>'
    stay = _stay(
        _message(f"<RoomStay><RoomRates>{_room_rate('2027-01-02', rate)}</RoomRates></RoomStay>")
    )
    assert [rate.night for rate in stay.nightly_rates] == [date(2027, 1, 2)]
    assert (stay.arrival, stay.departure) == (date(2027, 1, 2), date(2027, 1, 3))


def test_fees_of_every_rate_and_of_the_total_are_added_up_once_each() -> None:
    fees = '<Fees><Fee Amount="5"/><Fee Amount="1.50"/></Fees><Fees><Fee Amount="100"/></Fees>'
    priced = f'<Rate><Total AmountAfterTax="100"/>{fees}</Rate>'
    undated_unpriced = '<Rate><Fees><Fee Amount="2"/></Fees></Rate>'
    stay = _stay(
        _message(
            "<RoomStay><RoomRates>"
            f"{_room_rate('2027-01-01', priced + undated_unpriced)}"
            '</RoomRates><Total AmountAfterTax="100"><Fees><Fee Amount="0.25"/></Fees></Total>'
            "</RoomStay>"
        )
    )
    # The first Fees of each rate (5 + 1.50, then 2) and of the stay's Total (0.25).
    assert stay.fees == Decimal("8.75")


def test_the_promotion_code_comes_from_the_first_room_rate_that_has_one() -> None:
    rate = '<Rate><Total AmountAfterTax="100"/></Rate>'
    rates = (
        _room_rate("2027-01-01", rate, PromotionCode=" ")
        + _room_rate("2027-01-02", rate, PromotionCode="EARLY")
        + _room_rate("2027-01-03", rate, PromotionCode="LATE")
    )
    stay = _stay(_message(f"<RoomStay><RoomRates>{rates}</RoomRates></RoomStay>"))
    assert stay.promotion_code == "EARLY"
    assert len(stay.nightly_rates) == 3


def test_the_card_comes_from_a_room_stays_guarantee_when_the_reservation_has_none() -> None:
    rate = '<Rate><Total AmountAfterTax="100"/></Rate>'
    guarantee = (
        "<Guarantee><GuaranteesAccepted><GuaranteeAccepted>"
        '<PaymentCard CardCode="VI" CardNumber="4111 1111 1111 1234" ExpireDate="0129"/>'
        "</GuaranteeAccepted></GuaranteesAccepted></Guarantee>"
    )
    body = _message(
        f"<RoomStay><RoomRates>{_room_rate('2027-01-01', rate)}</RoomRates>{guarantee}</RoomStay>"
    )
    (reservation,) = decode_res_notif_rq(body).reservations
    assert reservation.payment_card is not None
    assert (reservation.payment_card.card_code, reservation.payment_card.last_four) == (
        "VI",
        "1234",
    )
