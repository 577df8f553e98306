"""Pushes as other senders write them are stored, never refused when they can be stored:
an unmapped hotel of one of our connections, prices past the stay; each read back."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import attrs
import pytest
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.container import Container
from channel_manager.domain.connection import HotelClaim
from channel_manager.domain.push_inbox import InboxFailure, InboxState
from channel_manager.domain.reservation import FlagCode, Reservation, ReservationStatus
from tests.unit.ota.samples import OtaSchemas
from tests.unit.ota.test_sender_prices import sender_sample
from tests.unit.rest.conftest import (
    HOTEL_CODE,
    ROOM_TYPE,
    MappedHotel,
    PushClient,
    apply_pushes,
    inbox_rows,
    map_hotel,
    row_counts,
)
from tests.unit.rest.messages import res_notif, unwrap
from tests.unit.rest.test_push_reservations import push, stored

ACCOUNT_HOTEL = "7654321"
#: A second hotel of an OAuth grant, held (claimed) but not mapped.
CLAIMED_HOTEL = "7654322"


def _held_by_account(container: Container, hotel: MappedHotel, account: str) -> None:
    """The hotel's connection is the channel account ``account`` (connectivity mode)."""
    with container.uow_factory()() as uow:
        connection = uow.connections.get(hotel.connection_id)
        uow.connections.update(attrs.evolve(connection, external_account_id=account))
        uow.commit()


def test_a_push_for_an_unmapped_hotel_of_our_connection_is_stored_unattached_and_flagged(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    _held_by_account(container, hotel, ACCOUNT_HOTEL)
    _claim(container, hotel, ACCOUNT_HOTEL)  # connecting it claimed it
    response = push(client, res_notif(hotel_code=ACCOUNT_HOTEL))
    apply_pushes(container)
    assert response.status_code == 200, response.text
    assert "<Success/>" in response.text
    kept = stored(container, hotel)
    assert kept is not None
    assert kept.property_id is None
    assert kept.external_property_id == ACCOUNT_HOTEL
    # (res_notif prices one night of two: that is flagged too)
    [unmapped] = [flag for flag in kept.flags if flag.code is FlagCode.UNMAPPED_HOTEL]
    assert dict(unmapped.figures) == {"hotel": ACCOUNT_HOTEL}
    assert all(stay.unit_id is None for stay in kept.room_stays)


def _claim(container: Container, hotel: MappedHotel, hotel_code: str) -> None:
    """``hotel``'s connection holds ``hotel_code`` (as connecting it would have claimed it)."""
    with container.uow_factory()() as uow:
        connection = uow.connections.get(hotel.connection_id)
        uow.hotel_claims.add(
            HotelClaim(
                channel="booking",
                external_property_id=hotel_code,
                organization_id=connection.organization_id,
                connection_id=connection.id,
                claimed_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        uow.commit()


def test_a_push_for_an_unmapped_hotel_an_oauth_connection_holds_is_stored_with_it(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    """An OAuth connection covers several hotels: the one it holds (its hotel claim) but has
    not mapped yet keeps its bookings, unattached and flagged, on that connection."""
    _claim(container, hotel, CLAIMED_HOTEL)

    response = push(client, res_notif(hotel_code=CLAIMED_HOTEL))
    apply_pushes(container)

    assert response.status_code == 200, response.text
    kept = stored(container, hotel)
    assert kept is not None
    assert kept.connection_id == hotel.connection_id
    assert kept.property_id is None
    assert FlagCode.UNMAPPED_HOTEL in {flag.code for flag in kept.flags}


def test_the_hotels_holder_gets_its_bookings_not_another_organisation_mapping_its_code(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    """Another organisation mapped the code (an old mapping, or one made before the claim):
    the push still goes to the hotel's one holder, unattached there, never to the other."""
    other = map_hotel(container, hotel_code=CLAIMED_HOTEL)
    _claim(container, hotel, CLAIMED_HOTEL)

    response = push(client, res_notif(hotel_code=CLAIMED_HOTEL))
    apply_pushes(container)

    assert response.status_code == 200, response.text
    kept = stored(container, hotel)
    assert kept is not None
    assert kept.connection_id == hotel.connection_id
    assert stored(container, other) is None


def test_an_account_id_without_the_hotels_claim_routes_nothing_there(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    """The review's trap: an OAuth connection whose account id was once taken from a hotel id
    the caller typed. Without the hotel's claim it is not the hotel's holder, so a push for
    that (unmapped) hotel is not stored with it."""
    _held_by_account(container, hotel, ACCOUNT_HOTEL)

    response = push(client, res_notif(hotel_code=ACCOUNT_HOTEL))
    apply_pushes(container)

    assert response.status_code == 200, response.text
    assert "reservations" not in row_counts(container)
    [row] = inbox_rows(container, InboxState.FLAGGED)
    assert row.failure is InboxFailure.UNKNOWN_PROPERTY


def test_a_hotel_no_connection_of_ours_holds_is_still_refused(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    _held_by_account(container, hotel, ACCOUNT_HOTEL)
    response = push(client, res_notif(hotel_code="999000"))
    apply_pushes(container)
    assert response.status_code == 200
    assert "reservations" not in row_counts(container)
    [row] = inbox_rows(container, InboxState.FLAGGED)
    assert row.failure is InboxFailure.UNKNOWN_PROPERTY


def test_an_unmapped_room_type_is_flagged_with_its_code(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    response = push(client, res_notif(room_type="999999901"))
    apply_pushes(container)
    assert response.status_code == 200, response.text
    kept = stored(container, hotel)
    assert kept is not None
    [flag] = [flag for flag in kept.flags if flag.code is FlagCode.UNMAPPED_ROOM]
    assert dict(flag.figures) == {"room type": "999999901"}
    assert flag.room == 1


def _as_ours(sample: str) -> bytes:
    """A hand-written sender sample addressed to the mapped test hotel and room type."""
    body = sender_sample(sample).replace(b"EXP-HTL-9", HOTEL_CODE.encode())
    return body.replace(b'RoomTypeCode="KING"', f'RoomTypeCode="{ROOM_TYPE}"'.encode())


def _stored(container: Container, hotel: MappedHotel, res_id: str = "EXP-550011") -> Reservation:
    kept = stored(container, hotel, res_id)
    assert kept is not None
    return kept


def test_an_expedia_style_booking_its_modification_and_its_cancel_rq_are_followed(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    booked = push(client, _as_ours("expedia_style_soap.xml"), soap=True)
    apply_pushes(container)
    assert booked.status_code == 200, booked.text
    root, soap = unwrap(booked.content)
    assert soap is True
    ota_schemas.assert_valid(etree.tostring(root))
    created = _stored(container, hotel)
    assert created.status is ReservationStatus.CONFIRMED
    assert created.room_stays[0].unit_id == hotel.unit_id

    modified = push(client, _as_ours("modify_notif_more_guests.xml"))
    apply_pushes(container)
    assert modified.status_code == 200, modified.text
    root, _soap = unwrap(modified.content)
    assert etree.QName(root).localname == "OTA_HotelResModifyNotifRS"
    ota_schemas.assert_valid(etree.tostring(root))
    changed = _stored(container, hotel)
    assert changed.status is ReservationStatus.MODIFIED
    assert (changed.room_stays[0].adults, changed.room_stays[0].child_ages) == (3, (9,))
    assert changed.room_stays[0].meal_plan_name == "Breakfast"

    cancelled = push(client, _as_ours("expedia_style_cancel.xml"), soap=True)
    apply_pushes(container)
    assert cancelled.status_code == 200, cancelled.text
    root, soap = unwrap(cancelled.content)
    assert soap is True
    assert etree.QName(root).localname == "OTA_CancelRS"
    assert root.get("Status") == "Cancelled"
    assert root.get("EchoToken") == "exp-cxl-7"
    assert root.find(f"{{{OTA_NS}}}Success") is not None
    [unique_id] = root.findall(f"{{{OTA_NS}}}UniqueID")
    assert (unique_id.get("Type"), unique_id.get("ID")) == ("14", "EXP-550011")
    gone = _stored(container, hotel)
    assert gone.status is ReservationStatus.CANCELLED
    assert gone.cancelled_at == datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    assert gone.room_stays == changed.room_stays  # the last version is kept
    assert [entry.action for entry in gone.history] == ["created", "modified", "cancelled"]
    changes = {change.field: change for change in gone.history[1].changes}
    assert changes["meal plan"].before == "Half board"
    assert changes["meal plan"].after == "Breakfast"
    assert changes["dates"].after == "2026-05-01..2026-05-05"


def test_a_cancel_rq_twice_is_answered_success_and_changes_nothing_the_second_time(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    assert push(client, _as_ours("expedia_style_soap.xml"), soap=True).status_code == 200
    apply_pushes(container)
    assert push(client, _as_ours("expedia_style_cancel.xml"), soap=True).status_code == 200
    apply_pushes(container)
    first = _stored(container, hotel)
    again = push(client, _as_ours("expedia_style_cancel.xml"), soap=True)
    apply_pushes(container)
    assert again.status_code == 200, again.text
    assert "OTA_CancelRS" in again.text
    assert _stored(container, hotel) == first


def test_a_cancel_rq_for_a_reservation_we_never_saw_is_kept_as_a_tombstone(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    response = push(client, _as_ours("expedia_style_cancel.xml"), soap=True)
    apply_pushes(container)
    assert response.status_code == 200, response.text
    tombstone = _stored(container, hotel)
    assert tombstone.status is ReservationStatus.CANCELLED
    assert tombstone.room_stays == ()
    # The booking arriving late cannot bring it back.
    assert push(client, _as_ours("expedia_style_soap.xml"), soap=True).status_code == 200
    apply_pushes(container)
    assert _stored(container, hotel).status is ReservationStatus.CANCELLED


def test_a_cancel_rq_for_a_hotel_we_do_not_hold_is_answered_an_ota_cancel_rs_and_flagged(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    response = push(client, sender_sample("expedia_style_cancel.xml"), soap=True)
    apply_pushes(container)
    assert response.status_code == 200
    root, _soap = unwrap(response.content)
    assert etree.QName(root).localname == "OTA_CancelRS"
    assert "reservations" not in row_counts(container)
    [row] = inbox_rows(container, InboxState.FLAGGED)
    assert "EXP-HTL-9" in (row.last_error or "")


def test_the_process_log_names_the_flags_of_a_stored_reservation(
    client: PushClient,
    hotel: MappedHotel,
    container: Container,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="channel_manager.application.reservations"):
        assert push(client, res_notif(room_type="999999901")).status_code == 200
        apply_pushes(container)
    assert any(
        "created (flagged: " in record.getMessage() and "unmapped_room" in record.getMessage()
        for record in caplog.records
    )
