"""Response messages: ``Success`` / ``Warnings`` / ``Errors`` for ARI pushes, and the
OTA_HotelResNotifRS / OTA_HotelResModifyNotifRS acknowledgements of reservations.

ARI responses (OTA_HotelAvailNotifRS, OTA_HotelRateAmountNotifRS) share one shape,
:class:`NotifResponse`; reservation acknowledgements add the acknowledged ids.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import (
    message_root,
    sub,
    to_bytes,
)
from channel_manager.adapters.booking.ota.parser import ParserLimits, parse_document
from channel_manager.adapters.booking.ota.reservation_ids import (
    HotelReservationId,
    read_reservation_ids,
    write_reservation_ids,
)
from channel_manager.adapters.booking.ota.xmlread import attr, child, children, datetime_attr, text


@attrs.frozen(kw_only=True)
class OtaIssue:
    """One OTA ``Error`` or ``Warning``: ``Type`` (EWT code) is the only required part."""

    type: str
    code: str | None = None
    status: str | None = None
    short_text: str | None = None
    record_id: str | None = None
    tag: str | None = None

    @property
    def description(self) -> str:
        """A readable one-liner: the short text, else the code, else the type."""
        return self.short_text or (f"code {self.code}" if self.code else f"type {self.type}")


@attrs.frozen(kw_only=True)
class NotifResponse:
    """An ARI response: success (possibly with warnings) or errors."""

    success: bool
    warnings: tuple[OtaIssue, ...] = ()
    errors: tuple[OtaIssue, ...] = ()
    echo_token: str | None = None
    timestamp: datetime | None = None
    version: str = "1.000"
    ruid: str | None = None


class ResAckKind(StrEnum):
    """Which reservation queue an acknowledgement answers."""

    NEW = "OTA_HotelResNotifRS"
    MODIFY = "OTA_HotelResModifyNotifRS"


@attrs.frozen(kw_only=True)
class AcknowledgedReservation:
    """One acknowledged reservation: its ids and, when known, its hotel.

    The 2015B schema requires ``ResGlobalInfo/BasicPropertyInfo``; without a hotel code an
    empty one is written.
    """

    ids: tuple[HotelReservationId, ...]
    hotel_code: str | None = None


@attrs.frozen(kw_only=True)
class ResAcknowledgement:
    """OTA_HotelResNotifRS or OTA_HotelResModifyNotifRS: ``Success`` plus the reservation ids
    acknowledged (one ``HotelReservation`` each), or ``Errors`` to reject the message."""

    kind: ResAckKind = ResAckKind.NEW
    success: bool = True
    reservations: tuple[AcknowledgedReservation, ...] = ()
    warnings: tuple[OtaIssue, ...] = ()
    errors: tuple[OtaIssue, ...] = ()
    echo_token: str | None = None
    timestamp: datetime | None = None
    version: str = "2.001"


def write_issues(
    parent: etree._Element, container: str, item: str, issues: tuple[OtaIssue, ...]
) -> None:
    """Append ``Errors/Error`` or ``Warnings/Warning`` (nothing when ``issues`` is empty)."""
    if not issues:
        return
    holder = sub(parent, container)
    for issue in issues:
        sub(
            holder,
            item,
            {
                "Type": issue.type,
                "Code": issue.code,
                "Status": issue.status,
                "ShortText": issue.short_text,
                "RecordID": issue.record_id,
                "Tag": issue.tag,
            },
        )


def read_issues(root: etree._Element, container: str, item: str) -> tuple[OtaIssue, ...]:
    """Every ``Errors/Error`` or ``Warnings/Warning`` of ``root``."""
    return tuple(
        OtaIssue(
            type=attr(element, "Type") or "1",  # EWT 1 = unknown, when a sender omits it
            code=attr(element, "Code"),
            status=attr(element, "Status"),
            short_text=attr(element, "ShortText") or text(element),
            record_id=attr(element, "RecordID"),
            tag=attr(element, "Tag"),
        )
        for element in children(root, container, item)
    )


def decode_notif_response(
    data: bytes, root_name: str, *, limits: ParserLimits | None = None
) -> NotifResponse:
    """Decode an ARI response; a message with neither Success nor Errors is not a success."""
    document = parse_document(data, {root_name}, limits=limits)
    root = document.root
    return NotifResponse(
        success=child(root, "Success") is not None and child(root, "Errors") is None,
        warnings=read_issues(root, "Warnings", "Warning"),
        errors=read_issues(root, "Errors", "Error"),
        echo_token=attr(root, "EchoToken"),
        timestamp=datetime_attr(root, "TimeStamp"),
        version=attr(root, "Version") or "",
        ruid=document.ruid,
    )


def _container_names(kind: ResAckKind) -> tuple[str, str]:
    if kind is ResAckKind.MODIFY:
        return "HotelResModifies", "HotelResModify"
    return "HotelReservations", "HotelReservation"


def encode_res_acknowledgement(ack: ResAcknowledgement, *, soap: bool = False) -> bytes:
    """Encode OTA_HotelResNotifRS / OTA_HotelResModifyNotifRS."""
    root = message_root(ack.kind.value, ack.echo_token, ack.timestamp, ack.version)
    if not ack.success:
        write_issues(root, "Errors", "Error", ack.errors or (OtaIssue(type="1"),))
        return to_bytes(root, soap=soap)
    sub(root, "Success")
    write_issues(root, "Warnings", "Warning", ack.warnings)
    if ack.reservations:
        container_name, item_name = _container_names(ack.kind)
        container = sub(root, container_name)
        for reservation in ack.reservations:
            global_info = sub(sub(container, item_name), "ResGlobalInfo")
            write_reservation_ids(global_info, reservation.ids)
            sub(global_info, "BasicPropertyInfo", {"HotelCode": reservation.hotel_code})
    return to_bytes(root, soap=soap)


def decode_res_acknowledgement(
    data: bytes, *, limits: ParserLimits | None = None
) -> ResAcknowledgement:
    """Decode either acknowledgement; the root element says which."""
    document = parse_document(data, {kind.value for kind in ResAckKind}, limits=limits)
    root = document.root
    kind = ResAckKind(document.name)
    container_name, item_name = _container_names(kind)
    reservations = tuple(
        AcknowledgedReservation(
            ids=read_reservation_ids(global_info),
            hotel_code=attr(child(global_info, "BasicPropertyInfo"), "HotelCode"),
        )
        for item in children(root, container_name, item_name)
        if (global_info := child(item, "ResGlobalInfo")) is not None
    )
    return ResAcknowledgement(
        kind=kind,
        success=child(root, "Success") is not None and child(root, "Errors") is None,
        reservations=reservations,
        warnings=read_issues(root, "Warnings", "Warning"),
        errors=read_issues(root, "Errors", "Error"),
        echo_token=attr(root, "EchoToken"),
        timestamp=datetime_attr(root, "TimeStamp"),
        version=attr(root, "Version") or "",
    )
