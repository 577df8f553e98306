"""Pushes as other senders write them are stored, never refused when they can be stored:
an unmapped hotel of one of our connections, prices past the stay; each read back."""

from __future__ import annotations

import attrs

from channel_manager.container import Container
from channel_manager.domain.reservation import FlagCode
from tests.unit.rest.conftest import MappedHotel, PushClient, row_counts
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import push, stored

ACCOUNT_HOTEL = "7654321"


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
    response = push(client, res_notif(hotel_code=ACCOUNT_HOTEL))
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


def test_a_hotel_no_connection_of_ours_holds_is_still_refused(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    _held_by_account(container, hotel, ACCOUNT_HOTEL)
    response = push(client, res_notif(hotel_code="999000"))
    assert response.status_code == 422
    assert "reservations" not in row_counts(container)


def test_an_unmapped_room_type_is_flagged_with_its_code(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    response = push(client, res_notif(room_type="999999901"))
    assert response.status_code == 200, response.text
    kept = stored(container, hotel)
    assert kept is not None
    [flag] = [flag for flag in kept.flags if flag.code is FlagCode.UNMAPPED_ROOM]
    assert dict(flag.figures) == {"room type": "999999901"}
    assert flag.room == 1
