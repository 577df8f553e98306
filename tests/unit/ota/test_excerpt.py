"""Cutting a reservation message down to some of its reservations (issue 12 §4)."""

from __future__ import annotations

from lxml import etree

from channel_manager.adapters.booking.ota.excerpt import only_reservation, only_reservations_at
from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq

BATCH = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- RUID: [abc123] -->
<OTA_HotelResNotifRQ xmlns="{OTA_NS}" EchoToken="e1" Version="2.001">
  <HotelReservations>
    <HotelReservation><ResGlobalInfo><HotelReservationIDs>
      <HotelReservationID ResID_Value="111"/></HotelReservationIDs>
      <Profiles>Guest One</Profiles></ResGlobalInfo></HotelReservation>
    <HotelReservation><ResGlobalInfo><HotelReservationIDs>
      <HotelReservationID ResID_Value="222"/></HotelReservationIDs>
      <Profiles>Guest Two</Profiles></ResGlobalInfo></HotelReservation>
    <HotelReservation><ResGlobalInfo><HotelReservationIDs>
      <HotelReservationID ResID_Value="333"/></HotelReservationIDs>
      <Profiles>Guest Three 222</Profiles></ResGlobalInfo></HotelReservation>
  </HotelReservations>
</OTA_HotelResNotifRQ>""".encode()


def test_only_the_reservations_at_the_positions_are_kept_with_the_envelope() -> None:
    cut = only_reservations_at(BATCH, [0, 2])
    assert cut is not None
    assert b"Guest One" in cut
    assert b"Guest Three" in cut
    assert b"Guest Two" not in cut
    assert b"RUID: [abc123]" in cut
    assert b'EchoToken="e1"' in cut
    ids = [r.reservation_id for r in decode_res_notif_rq(cut).reservations]
    assert ids == ["111", "333"]


def test_only_the_reservation_with_the_id_is_kept_not_one_that_mentions_it_in_text() -> None:
    cut = only_reservation(BATCH, "222")
    assert cut is not None
    assert b"Guest Two" in cut
    assert b"Guest One" not in cut
    assert b"Guest Three" not in cut


def test_a_soap_envelope_is_kept() -> None:
    body = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        + BATCH.split(b"-->", 1)[1]
        + b"</soap:Body></soap:Envelope>"
    )
    cut = only_reservation(body, "333")
    assert cut is not None
    root = etree.fromstring(cut)
    assert etree.QName(root).localname == "Envelope"
    assert b"Guest Three" in cut
    assert b"Guest One" not in cut


def test_a_body_that_is_not_xml_gives_nothing() -> None:
    assert only_reservation(b"<HotelReservation>Guest One", "111") is None
    assert only_reservations_at(b"not xml", [0]) is None


def test_a_body_without_reservations_comes_back_whole() -> None:
    body = f'<OTA_HotelResNotifRS xmlns="{OTA_NS}"><Errors><Error Code="1"/></Errors>'
    body += "</OTA_HotelResNotifRS>"
    cut = only_reservation(body.encode(), "111")
    assert cut is not None
    assert b'Error Code="1"' in cut
