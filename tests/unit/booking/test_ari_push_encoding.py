"""The closed-to-arrival/departure switch (CM_CLOSED_TO_ARRIVAL_MODE) reaches the XML."""

from __future__ import annotations

from datetime import date

from lxml import etree

from channel_manager.adapters.booking.ari_push import encode_avail_request
from channel_manager.domain.ari import AvailRange, AvailRequest

NS = {"ota": "http://www.opentravel.org/OTA/2003/05"}


def _request() -> AvailRequest:
    item = AvailRange(
        room_type_code="100000101",
        rate_plan_code="50001",
        start=date(2027, 1, 2),
        end=date(2027, 1, 5),
        booking_limit=4,
        stop_sell=False,
        closed_to_arrival=True,
        closed_to_departure=False,
    )
    return AvailRequest(hotel_code="1000001", month=date(2027, 1, 1), items=(item,))


def _restrictions(xml: bytes) -> list[tuple[str | None, str | None]]:
    root = etree.fromstring(xml)
    return [
        (node.get("Restriction"), node.get("Status"))
        for node in root.iterfind(".//ota:RestrictionStatus", NS)
    ]


def test_arrival_and_departure_restrictions_are_sent_by_default() -> None:
    encoded = encode_avail_request(_request())

    assert _restrictions(encoded.body) == [
        (None, "Open"),
        ("Arrival", "Close"),
        ("Departure", "Open"),
    ]


def test_the_switch_leaves_them_out_and_keeps_the_rest() -> None:
    encoded = encode_avail_request(_request(), arrival_departure=False)

    assert _restrictions(encoded.body) == [(None, "Open")]
    assert b'BookingLimit="4"' in encoded.body


def test_an_item_with_only_arrival_restrictions_sends_nothing_when_switched_off() -> None:
    only_cta = AvailRange(
        room_type_code="100000101",
        start=date(2027, 1, 2),
        end=date(2027, 1, 3),
        closed_to_arrival=True,
    )
    request = AvailRequest(hotel_code="1000001", month=date(2027, 1, 1), items=(only_cta,))

    assert encode_avail_request(request, arrival_departure=False).item_of_message == ()
    assert encode_avail_request(request).item_of_message == (1,)
