"""Small builders for domain objects the application tests feed through the fake channel."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
    ReservationMessageKind,
)
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import (
    Guest,
    NightlyPrice,
    Reservation,
    Revision,
    RoomStay,
    Totals,
)
from tests.support.clock import next_year, session_now

HOTEL = "1000001"
ROOM_DOUBLE = "100000101"
ROOM_SUITE = "100000102"
RATE_STANDARD = "50001"


def catalog(hotel_code: str = HOTEL, name: str = "Canal House Amsterdam") -> ExternalCatalog:
    """A hotel with two room types and one rate plan."""
    return ExternalCatalog(
        property=ExternalProperty(hotel_code=hotel_code, name=name, currency="EUR"),
        room_types=(
            ExternalRoomType(code=ROOM_DOUBLE, name="Double Room", max_occupancy=2),
            ExternalRoomType(code=ROOM_SUITE, name="Family Suite", max_occupancy=4),
        ),
        rate_plans=(ExternalRatePlan(code=RATE_STANDARD, name="Standard Rate"),),
    )


def booking(
    external_id: str,
    *,
    kind: ReservationMessageKind = ReservationMessageKind.NEW,
    room: str = ROOM_DOUBLE,
    arrival: date | None = None,
    nights: int = 2,
    minute: int = 0,
    hotel_code: str = HOTEL,
) -> ChannelReservation:
    """A channel message for a one-room booking at 100.00 EUR a night (arriving on 10 March
    of the session's next year unless told)."""
    arrival = arrival or next_year(3, 10)
    departure = arrival + timedelta(days=nights)
    prices = tuple(
        NightlyPrice(
            night=arrival + timedelta(days=n),
            amount=Money.of("100.00", "EUR"),
            rate_plan_code=RATE_STANDARD,
        )
        for n in range(nights)
    )
    reservation = Reservation(
        id=uuid.uuid4(),
        connection_id=uuid.uuid4(),
        external_id=external_id,
        external_property_id=hotel_code,
        revision=Revision(session_now().replace(hour=12, minute=minute, second=0, microsecond=0)),
        arrival=arrival,
        departure=departure,
        room_stays=(
            RoomStay(
                index=1,
                external_room_type_id=room,
                external_rate_plan_id=RATE_STANDARD,
                arrival=arrival,
                departure=departure,
                guest_count=2,
                nightly_prices=prices,
                total=Money.of(str(100 * nights), "EUR"),
            ),
        ),
        booker=Guest(given_name="Zoë", surname="Søren", email="zoe@example.org"),
        totals=Totals(amount_after_tax=Money.of(str(100 * nights), "EUR")),
        currency="EUR",
    )
    return ChannelReservation(kind=kind, reservation=reservation, ack_key=external_id)
