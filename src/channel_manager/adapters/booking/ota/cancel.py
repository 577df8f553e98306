"""OTA_CancelRQ / OTA_CancelRS: how Expedia-style senders cancel a booking.

The reservation is named by ``UniqueID`` (UIT 14 or 8 the sender's reference; 15 is a
cancellation number and 10 the property's own id, neither names the booking), the hotel by
``Verification/Vendor[@CodeContext="HotelCode"]/@Code``. Decoded into the same
:class:`OtaReservation` a HotelResModify without rooms gives (a cancellation), so it goes
through the one ledger: idempotent, and a cancel for a reservation we never saw is kept as a
tombstone. Answered with OTA_CancelRS ``Status="Cancelled"`` echoing the ids.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import (
    format_timestamp,
    ota_root,
    sub,
    to_bytes,
)
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import OtaReservation, ResStatus
from channel_manager.adapters.booking.ota.xmlread import attr, child, children

CANCEL_RQ = "OTA_CancelRQ"
CANCEL_RS = "OTA_CancelRS"
#: UIT 15 is "Cancellation": the sender's number for the cancellation itself.
_CANCELLATION_ID_TYPE = "15"
#: ``CancelType`` values that do not cancel (OTA: a two-phase "Initiate" then "Commit" also
#: exists; we cancel at the first message, which is idempotent, so only "Ignore" is a no-op).
_NOT_CANCELLING = frozenset({"ignore"})


def read_cancel_rq(root: etree._Element, timestamp: datetime | None) -> tuple[OtaReservation, ...]:
    """The reservation an OTA_CancelRQ cancels (none for ``CancelType="Ignore"``)."""
    if (attr(root, "CancelType") or "").lower() in _NOT_CANCELLING:
        return ()
    unique_ids = [
        HotelReservationId(
            value=value, type=attr(element, "Type"), source=attr(element, "ID_Context")
        )
        for element in children(root, "UniqueID")
        if (value := attr(element, "ID")) is not None
    ]
    booking_ids = tuple(i for i in unique_ids if i.type != _CANCELLATION_ID_TYPE)
    verification = child(root, "Verification")
    vendors = children(verification, "Vendor")
    hotel = next(
        (attr(v, "Code") for v in vendors if attr(v, "CodeContext") == "HotelCode"),
        None,
    ) or next((code for v in vendors if (code := attr(v, "Code"))), None)
    hotel = hotel or attr(child(verification, "BasicPropertyInfo"), "HotelCode")
    return (
        OtaReservation(
            status=ResStatus.CANCEL,
            ids=booking_ids,
            last_modify_datetime=timestamp,
            hotel_code=hotel,
        ),
    )


def encode_cancel_rs(
    ids: tuple[HotelReservationId, ...],
    *,
    echo_token: str | None,
    timestamp: datetime | None,
    version: str,
    soap: bool,
) -> bytes:
    """OTA_CancelRS ``Success`` with ``Status="Cancelled"`` and the cancelled ids."""
    root = ota_root(
        CANCEL_RS,
        {
            "EchoToken": echo_token,
            "TimeStamp": format_timestamp(timestamp) if timestamp else None,
            "Version": version or "1.0",
            "Status": "Cancelled",
        },
    )
    sub(root, "Success")
    for reservation_id in ids:
        sub(root, "UniqueID", {"Type": reservation_id.type or "14", "ID": reservation_id.value})
    return to_bytes(root, soap=soap)
