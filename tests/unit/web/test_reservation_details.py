"""A reservation's page and API show what a property needs from a sender's message: flags
with their figures, guests per room, children's ages, the meal plan by name, what changed;
an unmapped hotel's booking is kept, flagged, and linked once the mapping is saved.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs
import pytest
from litestar.testing import TestClient

from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.reservation import Revision
from tests.support.builders import booking
from tests.support.clock import next_year
from tests.unit.ota.test_sender_prices import sender_sample
from tests.unit.web.conftest import sign_in
from tests.unit.web.test_pages import _map_double_room, _save_mapping
from tests.unit.web.world import HOTEL_CODE, World, connect


@pytest.fixture
def connected(client: TestClient, world: World) -> UUID:
    connection_id = connect(world)
    sign_in(client, world.api_key)
    return connection_id


def _apply(world: World, connection_id: UUID, message: ChannelReservation) -> UUID:
    connection = world.container.queries().connection(world.organization_id, connection_id)
    world.container.intake().apply(connection, message)
    [stored] = [
        r
        for r in world.container.queries().reservations(world.organization_id)
        if r.external_id == message.reservation.external_id
    ]
    return stored.id


def _sample(world: World, connection_id: UUID, name: str) -> UUID:
    message = decode_res_notif_rq(sender_sample(name))
    (ota,) = message.reservations
    mapped = to_channel_reservation(
        ota,
        message,
        "k",
        connection_id=connection_id,
        now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
    )
    return _apply(world, connection_id, mapped)


def _text(html: str) -> str:
    """The page's text with tags and repeated blanks removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_guests_meal_plan_requests_and_the_unmapped_hotel(
    client: TestClient, world: World, connected: UUID
) -> None:
    reservation_id = _sample(world, connected, "expedia_style_soap.xml")
    page = client.get(f"/reservations/{reservation_id}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "2 adults, 2 children aged 9, 4" in text
    assert "Maria Lopez" in text
    assert "Half board" in text
    assert "1 king bed" in text
    assert "18:00:00" in text
    assert "SPRING10" in text
    assert "EXP-550011" in text
    assert 'data-flag="unmapped_hotel"' in page.text
    assert "The hotel of this reservation is not mapped" in text
    assert "734.93 USD" in text  # the total, from the stay (the message gives none)


def test_the_api_shows_the_flags_with_their_figures(
    client: TestClient, world: World, connected: UUID
) -> None:
    reservation_id = _sample(world, connected, "span_total_and_rates_past_stay.xml")
    body = client.get(f"/api/v1/reservations/{reservation_id}").json()
    flags = {flag["code"]: flag for flag in body["flags"]}
    assert set(flags) == {"rates_outside_stay", "unmapped_hotel"}
    assert ["outside", "2026-04-03: 100.00 EUR"] in flags["rates_outside_stay"]["figures"]
    assert flags["rates_outside_stay"]["room"] == 2
    ids = [(i["value"], i["type"], i["source"]) for i in body["reservation_ids"]]
    assert ids == [("SPAN-7001", "14", "PushCo"), ("PMS-88", "10", "Hotel")]
    nights = [p["amount"]["amount"] for p in body["room_stays"][0]["nightly_prices"]]
    assert nights == ["225.00", "225.00", "225.00", "225.00", "500.00"]
    assert "2 flags" in _text(client.get("/reservations").text)
    page = _text(client.get(f"/reservations/{reservation_id}").text)
    assert "rates outside stay" in page
    assert "2026-04-03: 100.00 EUR" in page


def test_an_unmapped_hotels_booking_is_linked_when_the_mapping_is_saved(
    client: TestClient, world: World, connected: UUID
) -> None:
    reservation_id = _apply(
        world, connected, booking("BK-EARLY", hotel_code=HOTEL_CODE, room="DBL")
    )
    before = client.get(f"/api/v1/reservations/{reservation_id}").json()
    assert before["property_id"] is None
    assert [flag["code"] for flag in before["flags"]] == ["unmapped_hotel"]

    _map_double_room(client, world, str(connected))

    after = client.get(f"/api/v1/reservations/{reservation_id}").json()
    assert after["property_id"] == str(world.property_id)
    assert after["room_stays"][0]["unit_id"] == str(world.double_unit_id)
    assert after["flags"] == []
    assert "not mapped" not in _text(client.get(f"/reservations/{reservation_id}").text)


def test_what_changed_is_shown_per_revision_and_a_cancelled_booking_has_no_map_it_hint(
    client: TestClient, world: World, connected: UUID
) -> None:
    first = booking("BK-CHG", hotel_code=HOTEL_CODE, room="DBL", nights=2)
    reservation_id = _apply(world, connected, first)
    assert "map it" in client.get(f"/reservations/{reservation_id}").text
    modified = booking(
        "BK-CHG",
        hotel_code=HOTEL_CODE,
        room="DBL",
        nights=3,
        minute=5,
        kind=ReservationMessageKind.MODIFY,
    )
    _apply(world, connected, modified)
    cancel = attrs.evolve(
        first,
        kind=ReservationMessageKind.CANCEL,
        reservation=attrs.evolve(
            first.reservation,
            revision=Revision(first.reservation.revision.timestamp.replace(minute=9), 2),
        ),
    )
    _apply(world, connected, cancel)

    revisions = client.get(f"/api/v1/reservations/{reservation_id}/revisions").json()
    assert [r["action"] for r in revisions] == ["created", "modified", "cancelled"]
    changes = {c["field"]: (c["before"], c["after"]) for c in revisions[1]["changes"]}
    arrival = next_year(3, 10)
    assert changes["dates"] == (
        f"{arrival}..{arrival + timedelta(days=2)}",
        f"{arrival}..{arrival + timedelta(days=3)}",
    )
    assert changes["total"] == ("200.00 EUR", "300.00 EUR")
    cancelled_at = first.reservation.revision.timestamp.replace(minute=9)
    assert revisions[2]["timestamp"].startswith(cancelled_at.strftime("%Y-%m-%dT%H:%M"))
    page = client.get(f"/reservations/{reservation_id}").text
    assert "What changed" in page
    assert f"{arrival}..{arrival + timedelta(days=2)}" in page
    assert "map it" not in page
    assert "Cancelled" in page


def test_revisions_of_another_organisations_reservation_are_not_found(
    client: TestClient, world: World, connected: UUID
) -> None:
    missing = client.get("/api/v1/reservations/00000000-0000-4000-8000-000000000000/revisions")
    assert missing.status_code == 404


def test_the_integration_card_counts_flagged_reservations(
    client: TestClient, world: World, connected: UUID
) -> None:
    assert 'data-figure="flagged">0<' in client.get("/integrations").text
    _sample(world, connected, "span_total_and_rates_past_stay.xml")
    _sample(world, connected, "three_rooms_guests_services.xml")
    assert 'data-figure="flagged">2<' in client.get("/integrations").text
    [view] = client.get("/api/v1/connections").json()
    assert view["flagged_reservations"] == 2


def test_rooms_show_their_meal_plan_and_rate_plan_by_name(
    client: TestClient, world: World, connected: UUID
) -> None:
    inventory = world.container.inventory()
    flexible = inventory.create_rate_plan(
        world.organization_id, world.property_id, "Flexible with breakfast", "FLEX"
    )
    saved = _save_mapping(
        client,
        str(connected),
        **{
            "hotel-0-property": str(world.property_id),
            "hotel-0-sync": "on",
            "hotel-0-room-0": str(world.double_unit_id),
            "hotel-0-rate-0": str(flexible.id),  # Booking.com's STD is our FLEX
        },
    )
    assert "Mapping saved" in saved

    def booked(external_id: str, rate_plan: str, meal_plan: str) -> UUID:
        message = booking(external_id, hotel_code=HOTEL_CODE, room="DBL")
        (stay,) = message.reservation.room_stays
        stay = attrs.evolve(stay, external_rate_plan_id=rate_plan, meal_plan=meal_plan)
        reservation = attrs.evolve(message.reservation, room_stays=(stay,))
        return _apply(world, connected, attrs.evolve(message, reservation=reservation))

    mapped = _text(client.get(f"/reservations/{booked('BK-NAMED', 'STD', '3')}").text)
    unmapped = _text(client.get(f"/reservations/{booked('BK-CODED', 'NREF', '12 19')}").text)

    assert "Bed and breakfast · Flexible with breakfast" in mapped
    assert "rate plan STD" not in mapped  # the code is left for the tooltip
    assert "Half board, Breakfast · rate plan NREF" in unmapped
