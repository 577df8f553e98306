"""The OTA push endpoint routes by (channel, HotelCode): its senders are Booking.com's, so a
connection of another channel that uses the same hotel code (held, mapped, or holding the
same reservation id) never receives what is pushed here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.connection import HotelClaim
from channel_manager.domain.push_inbox import InboxFailure, InboxState
from channel_manager.domain.reservation import ReservationStatus
from tests.support.builders import booking
from tests.support.containers import app_container, make_settings
from tests.unit.rest.conftest import (
    HOTEL_CODE,
    ROOM_TYPE,
    MappedHotel,
    PushClient,
    apply_pushes,
    client_for,
    inbox_rows,
    map_hotel,
)
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import RES_ID, push

OTHER = "other"


@pytest.fixture
def container() -> Container:
    """Push credentials configured, and a second channel registered beside ``booking``."""
    settings = make_settings(
        {"CM_PUSH_ALLOWED_IPS": "198.51.100.0/24", "CM_TRUSTED_PROXIES": "10.0.0.0/8"}
    )
    return app_container(settings=settings, others={OTHER: FakeChannel()})


@pytest.fixture
def client(container: Container) -> Iterator[PushClient]:
    with client_for(container) as test_client:
        yield test_client


def _claim(container: Container, hotel: MappedHotel, channel: str) -> None:
    now: datetime = container.clock().now()
    with container.uow_factory()() as uow:
        uow.hotel_claims.add(
            HotelClaim(
                channel=channel,
                external_property_id=HOTEL_CODE,
                organization_id=hotel.organization_id,
                connection_id=hotel.connection_id,
                claimed_at=now,
            )
        )
        uow.commit()


def _reservation_ids(container: Container, hotel: MappedHotel) -> list[str]:
    with container.uow_factory()() as uow:
        found = uow.reservations.list(hotel.organization_id, connection_id=hotel.connection_id)
    return [r.external_id for r in found]


def test_a_push_goes_to_the_booking_connection_never_to_another_channels_holder(
    client: PushClient, container: Container
) -> None:
    # The other channel's connection is older and holds the same code: routing by the code
    # alone would pick it.
    theirs = map_hotel(container, channel=OTHER)
    _claim(container, theirs, OTHER)
    ours = map_hotel(container)

    response = push(client, res_notif())

    assert response.status_code == 200, response.text
    apply_pushes(container)
    assert _reservation_ids(container, ours) == [RES_ID]
    assert _reservation_ids(container, theirs) == []


def test_a_code_mapped_only_on_another_channel_is_an_unknown_property(
    client: PushClient, container: Container
) -> None:
    theirs = map_hotel(container, channel=OTHER)
    _claim(container, theirs, OTHER)

    response = push(client, res_notif())

    assert response.status_code == 200, response.text
    apply_pushes(container)
    [row] = inbox_rows(container)
    assert (row.state, row.failure) == (InboxState.FLAGGED, InboxFailure.UNKNOWN_PROPERTY)
    assert f"booking hotel '{HOTEL_CODE}' is not mapped" in (row.last_error or "")
    assert _reservation_ids(container, theirs) == []


def test_a_roomless_cancel_finds_only_a_booking_reservation(
    client: PushClient, container: Container
) -> None:
    theirs = map_hotel(container, channel=OTHER)
    with container.uow_factory()() as uow:
        connection = uow.connections.get(theirs.connection_id)
    container.intake().apply(connection, booking(RES_ID, room=ROOM_TYPE, hotel_code=HOTEL_CODE))
    body = res_notif(status="Cancel", modified="2025-03-16T08:00:00+00:00")
    cancel = re.sub(rb"<RoomStays>.*?</RoomStays>", b"", body, flags=re.DOTALL)

    response = push(client, cancel)

    assert response.status_code == 200, response.text
    apply_pushes(container)
    [row] = inbox_rows(container)  # not here yet: the inbox retries it
    assert (row.state, row.failure) == (InboxState.PENDING, InboxFailure.NOT_YET_KNOWN)
    with container.uow_factory()() as uow:
        stored = uow.reservations.get_by_external(theirs.connection_id, RES_ID)
    assert stored is not None
    assert stored.status is not ReservationStatus.CANCELLED
