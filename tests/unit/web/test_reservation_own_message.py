"""A reservation's page and API show the raw message of that reservation only, never the rest
of the polled batch it came in (issue 12 §4: a booking's page showed 9 other bookings' guests).
"""

from __future__ import annotations

from uuid import UUID

import attrs
from litestar.testing import TestClient

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.domain.messages import MessageDirection
from tests.support.builders import booking
from tests.unit.web.conftest import sign_in
from tests.unit.web.world import HOTEL_CODE, World, connect


def _item(res_id: str, guest: str) -> str:
    return (
        f'<HotelReservation><RoomStays><RoomStay><BasicPropertyInfo HotelCode="{HOTEL_CODE}"/>'
        f"</RoomStay></RoomStays><ResGlobalInfo><Profiles><ProfileInfo><Profile><Customer>"
        f"<PersonName><Surname>{guest}</Surname></PersonName></Customer></Profile></ProfileInfo>"
        f'</Profiles><HotelReservationIDs><HotelReservationID ResID_Value="{res_id}"/>'
        f"</HotelReservationIDs></ResGlobalInfo></HotelReservation>"
    )


#: A polled page of ten reservations; ours is BK-5 (guest Ours-5), the others mention it only
#: in a remark-like text.
BATCH = (
    f'<?xml version="1.0" encoding="UTF-8"?><OTA_HotelResNotifRQ xmlns="{OTA_NS}">'
    "<HotelReservations>"
    + "".join(_item(f"BK-{n}", f"Ours-{n}" if n == 5 else f"Stranger-{n} BK-5") for n in range(10))
    + "</HotelReservations></OTA_HotelResNotifRQ>"
)


def _stored_from_batch(world: World, connection_id: UUID) -> UUID:
    entry = world.container.message_log().write(
        connection_id=connection_id,
        direction=MessageDirection.INBOUND,
        message_type="OTA_HotelResNotifRQ",
        endpoint="GET /OTA_HotelResNotif",
        body=BATCH,
    )
    message = booking("BK-5", hotel_code=HOTEL_CODE, room="DBL")
    linked = attrs.evolve(message.reservation, raw_message_id=entry.id)
    connection = world.container.queries().connection(world.organization_id, connection_id)
    world.container.intake().apply(connection, attrs.evolve(message, reservation=linked))
    [stored] = world.container.queries().reservations(world.organization_id)
    return stored.id


def test_the_page_shows_only_this_reservations_part_of_the_batch(
    client: TestClient, world: World
) -> None:
    connection_id = connect(world)
    sign_in(client, world.api_key)
    reservation_id = _stored_from_batch(world, connection_id)

    page = client.get(f"/reservations/{reservation_id}")

    assert page.status_code == 200
    assert "Ours-5" in page.text
    assert "Stranger" not in page.text
    assert "BK-4" not in page.text


def test_the_api_shows_only_this_reservations_part_of_the_batch(
    client: TestClient, world: World
) -> None:
    connection_id = connect(world)
    reservation_id = _stored_from_batch(world, connection_id)
    headers = {"Authorization": f"Bearer {world.api_key}"}

    answer = client.get(f"/api/v1/reservations/{reservation_id}/messages", headers=headers)

    assert answer.status_code == 200, answer.text
    [message] = answer.json()
    assert "Ours-5" in message["body"]
    assert "Stranger" not in answer.text
    assert "BK-4" not in answer.text
    unknown = client.get(f"/api/v1/reservations/{connection_id}/messages", headers=headers)
    assert unknown.status_code == 404
