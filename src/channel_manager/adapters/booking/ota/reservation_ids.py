"""``HotelReservationIDs/HotelReservationID``: shared by reservations and their acknowledgements."""

from __future__ import annotations

from datetime import datetime

import attrs
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import format_timestamp, sub
from channel_manager.adapters.booking.ota.xmlread import attr, children, datetime_attr


@attrs.frozen(kw_only=True)
class HotelReservationId:
    """One ``HotelReservationID``: ``ResID_Value`` is the reservation number; Booking.com puts
    the booking time in ``ResID_Date``."""

    value: str
    type: str | None = None
    source: str | None = None
    date: datetime | None = None


def read_reservation_ids(parent: etree._Element | None) -> tuple[HotelReservationId, ...]:
    """Every ``HotelReservationIDs/HotelReservationID`` under ``parent`` that has a value."""
    return tuple(
        HotelReservationId(
            value=value,
            type=attr(element, "ResID_Type"),
            source=attr(element, "ResID_Source"),
            date=datetime_attr(element, "ResID_Date"),
        )
        for element in children(parent, "HotelReservationIDs", "HotelReservationID")
        if (value := attr(element, "ResID_Value")) is not None
    )


def write_reservation_ids(parent: etree._Element, ids: tuple[HotelReservationId, ...]) -> None:
    """Append ``HotelReservationIDs`` to ``parent`` (nothing when ``ids`` is empty)."""
    if not ids:
        return
    container = sub(parent, "HotelReservationIDs")
    for reservation_id in ids:
        sub(
            container,
            "HotelReservationID",
            {
                "ResID_Type": reservation_id.type,
                "ResID_Value": reservation_id.value,
                "ResID_Source": reservation_id.source,
                "ResID_Date": format_timestamp(reservation_id.date)
                if reservation_id.date
                else None,
            },
        )
