"""Nightly prices decoded through the shared-value caches keep each night's own amount.

The decoder shares one ``Total`` between leaf ``Total`` elements with the same attributes, and
the mapping shares one ``Money`` between nights of one ``Total``. Equal is not the same:
``Decimal("349.0") == Decimal("349.00")``, yet each night must keep the amount as written, and
a cached value must never stand in for a different price or a refused one.
"""

from __future__ import annotations

import uuid

import pytest

from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from tests.support.clock import shifted_now

CONNECTION = uuid.UUID("00000000-0000-4000-8000-000000000002")


def _message(*night_totals: str) -> bytes:
    """One room, a ``RoomRate`` per night from 2027-05-01, each with the given Total attributes."""
    rates = "".join(
        f'<RoomRate EffectiveDate="2027-05-0{night}" RatePlanCode="50002"><Rates><Rate>'
        f"<Total {attributes}/></Rate></Rates></RoomRate>"
        for night, attributes in enumerate(night_totals, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="2.001">
<HotelReservations><HotelReservation><RoomStays><RoomStay IndexNumber="1">
 <RoomTypes><RoomType RoomTypeCode="101"/></RoomTypes>
 <RoomRates>{rates}</RoomRates>
 <BasicPropertyInfo HotelCode="1000001"/>
</RoomStay></RoomStays>
<ResGlobalInfo><HotelReservationIDs><HotelReservationID ResID_Value="77"/></HotelReservationIDs>
</ResGlobalInfo></HotelReservation></HotelReservations>
</OTA_HotelResNotifRQ>""".encode()


def _night_amounts(data: bytes) -> list[str]:
    message = decode_res_notif_rq(data)
    reservation = to_channel_reservation(
        message.reservations[0], message, "ack", connection_id=CONNECTION, now=shifted_now
    ).reservation
    return [str(price.amount.amount) for price in reservation.room_stays[0].nightly_prices]


def test_equal_amounts_written_differently_keep_their_own_form() -> None:
    amounts = _night_amounts(
        _message(
            'AmountAfterTax="349.0" CurrencyCode="EUR"',
            'AmountAfterTax="349.00" CurrencyCode="EUR"',
            'AmountAfterTax="34900" DecimalPlaces="2" CurrencyCode="EUR"',
            'AmountAfterTax="349.0" CurrencyCode="EUR"',
        )
    )

    assert amounts == ["349.0", "349.00", "349.00", "349.0"]


def test_a_repeated_price_and_a_different_one_are_each_read() -> None:
    amounts = _night_amounts(
        _message(
            'AmountAfterTax="12000" DecimalPlaces="2" CurrencyCode="EUR"',
            'AmountAfterTax="12000" DecimalPlaces="2" CurrencyCode="EUR"',
            'AmountAfterTax="12000" DecimalPlaces="3" CurrencyCode="EUR"',
        )
    )

    assert amounts == ["120.00", "120.00", "12.000"]


def test_a_refused_amount_is_refused_every_time() -> None:
    bad = 'AmountAfterTax="12000" DecimalPlaces="9" CurrencyCode="EUR"'
    for _ in range(2):  # the second time would come from a cache, if errors were cached
        with pytest.raises(OtaParseError, match="DecimalPlaces"):
            decode_res_notif_rq(_message(bad))
