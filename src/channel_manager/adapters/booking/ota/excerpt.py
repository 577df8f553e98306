"""Cutting a reservation message down to some of its reservations, so a guest's data is shown
and logged only where it belongs: a push carrying several organisations' hotels is logged for
each with only its own reservations, and a reservation's page shows its own part of a batch.

The envelope (SOAP, the OTA root and its attributes, the RUID comment) is kept; every
``HotelReservation`` / ``HotelResModify`` item not asked for is removed. Bodies are parsed with
the hardened parser; a body that cannot be parsed yields ``None`` (the caller shows nothing
rather than everything).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from lxml import etree

from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.parser import parse_xml

#: The reservation items of OTA_HotelResNotifRQ/RS and OTA_HotelResModifyNotifRQ/RS.
_ITEMS = frozenset({"HotelReservation", "HotelResModify"})
_CONTAINERS = frozenset({"HotelReservations", "HotelResModifies"})


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _items(root: etree._Element) -> list[etree._Element]:
    """The reservation items of the message, in document order (inside the OTA root's
    ``HotelReservations``/``HotelResModifies``, wherever a SOAP envelope put the root)."""
    return [
        item
        for container in root.iter()
        if _local(container) in _CONTAINERS
        for item in container
        if _local(item) in _ITEMS
    ]


def _keep(body: bytes, wanted: Callable[[int, etree._Element], bool]) -> bytes | None:
    try:
        root, _ruid = parse_xml(body)
    except OtaParseError:
        return None
    for index, item in enumerate(_items(root)):
        if not wanted(index, item):
            parent = item.getparent()
            if parent is not None:
                parent.remove(item)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def only_reservations_at(body: bytes, indices: Collection[int]) -> bytes | None:
    """``body`` with only the reservation items at ``indices`` (0-based, document order: the
    order the decoder returns them in); ``None`` when ``body`` is not well-formed XML."""
    keep = frozenset(indices)
    return _keep(body, lambda index, _item: index in keep)


def _names(item: etree._Element, reservation_id: str) -> bool:
    return any(
        value == reservation_id
        for element in item.iter()
        if isinstance(element.tag, str)
        for value in element.attrib.values()
    )


def only_reservation(body: bytes, reservation_id: str) -> bytes | None:
    """``body`` with only the items that carry ``reservation_id`` as an attribute value (its
    ``HotelReservationID/@ResID_Value`` or ``UniqueID/@ID``); ``None`` when ``body`` is not
    well-formed XML. A body without reservation items (an error answer) comes back whole."""
    return _keep(body, lambda _index, item: _names(item, reservation_id))
