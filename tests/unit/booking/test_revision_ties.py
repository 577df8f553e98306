"""Reservation revisions when a Commit, a Modify and a Cancel carry the same timestamp.

Booking.com stamps messages to the second, and a push sender may repeat ``CreateDateTime``
without ``LastModifyDateTime`` on a modification. Such messages must still be newer than the
Commit they change, or the ledger takes them for duplicates and the change is lost.
"""

from __future__ import annotations

import uuid

from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.ledger import LedgerOutcome, ReservationLedger
from channel_manager.domain.reservation import Reservation, ReservationStatus
from tests.support.clock import shifted_now

CONNECTION = uuid.UUID("00000000-0000-4000-8000-000000000001")
STAMP = "2027-03-01T10:00:00+00:00"

_ROOM_STAY = """
  <RoomStays><RoomStay IndexNumber="1">
    <RoomTypes><RoomType RoomTypeCode="101"/></RoomTypes>
    <RatePlans><RatePlan RatePlanCode="501"/></RatePlans>
    <TimeSpan Start="2027-04-01" End="{departure}"/>
    <Total AmountAfterTax="20000" DecimalPlaces="2" CurrencyCode="EUR"/>
    <BasicPropertyInfo HotelCode="1000001"/>
  </RoomStay></RoomStays>"""


def _message(root: str, container: str, item: str, status: str, departure: str | None) -> bytes:
    stays = _ROOM_STAY.format(departure=departure) if departure else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="http://www.opentravel.org/OTA/2003/05" TimeStamp="{STAMP}" Version="2.001">
<{container}><{item} ResStatus="{status}" CreateDateTime="{STAMP}">{stays}
  <ResGlobalInfo>
   <HotelReservationIDs><HotelReservationID ResID_Value="4242"/></HotelReservationIDs>
  </ResGlobalInfo>
 </{item}></{container}>
</{root}>""".encode()


def _channel_reservation(data: bytes) -> ChannelReservation:
    message = decode_res_notif_rq(data)
    return to_channel_reservation(
        message.reservations[0], message, "ack", connection_id=CONNECTION, now=shifted_now
    )


def _commit() -> ChannelReservation:
    return _channel_reservation(
        _message(
            "OTA_HotelResNotifRQ", "HotelReservations", "HotelReservation", "Commit", "2027-04-03"
        )
    )


def _modify() -> ChannelReservation:
    return _channel_reservation(
        _message(
            "OTA_HotelResModifyNotifRQ",
            "HotelResModifies",
            "HotelResModify",
            "Modify",
            "2027-04-05",
        )
    )


def _cancel() -> ChannelReservation:
    return _channel_reservation(
        _message("OTA_HotelResModifyNotifRQ", "HotelResModifies", "HotelResModify", "Cancel", None)
    )


def _apply(
    current: Reservation | None, message: ChannelReservation
) -> tuple[LedgerOutcome, Reservation | None]:
    decision = ReservationLedger().apply(current, message.reservation, message.kind)
    return decision.outcome, decision.result if decision.changed else current


def test_a_modification_stamped_like_its_commit_still_updates_it() -> None:
    _, stored = _apply(None, _commit())

    outcome, stored = _apply(stored, _modify())

    assert outcome is LedgerOutcome.UPDATED
    assert stored is not None
    assert str(stored.departure) == "2027-04-05"
    assert stored.status is ReservationStatus.MODIFIED


def test_a_cancellation_stamped_like_the_booking_still_cancels_it() -> None:
    _, stored = _apply(None, _commit())
    _, stored = _apply(stored, _modify())

    outcome, stored = _apply(stored, _cancel())

    assert outcome is LedgerOutcome.CANCELLED
    assert stored is not None
    assert stored.is_cancelled


def test_a_late_commit_with_the_same_stamp_does_not_undo_the_modification() -> None:
    _, stored = _apply(None, _commit())
    _, stored = _apply(stored, _modify())

    outcome, stored = _apply(stored, _commit())

    assert outcome is LedgerOutcome.STALE
    assert stored is not None
    assert str(stored.departure) == "2027-04-05"


def test_the_same_message_twice_is_still_a_duplicate() -> None:
    _, stored = _apply(None, _commit())
    _, stored = _apply(stored, _modify())

    outcome, _ = _apply(stored, _modify())

    assert outcome is LedgerOutcome.DUPLICATE
