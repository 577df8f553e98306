"""Persistence throughput: reservations saved per second and outbound claims per second.

Run: ``python -m bench.bench_persistence [--reservations N] [--messages N]``. SQLite runs on a
temporary file; PostgreSQL on a temporary database created on ``CM_TEST_POSTGRES_URL``
(default: the local server) and dropped afterwards. Prints one line per backend and figure.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from bench._common import postgres_url, sqlite_url
from channel_manager.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
)
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.ari_requests import AvailRange, AvailRequest
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.inventory import Organization, Property, Unit
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import (
    Guest,
    NightlyPrice,
    Reservation,
    Revision,
    RoomStay,
)
from channel_manager.domain.sync import OutboundKind, OutboundMessage

NOW = datetime(2025, 1, 1, tzinfo=UTC)
ARRIVAL = date(2025, 6, 1)


def _reservation(connection: Connection, prop: Property, unit: Unit, n: int) -> Reservation:
    departure = ARRIVAL + timedelta(days=3)
    prices = tuple(
        NightlyPrice(night=ARRIVAL + timedelta(days=i), amount=Money(Decimal("120.50"), "EUR"))
        for i in range(3)
    )
    stay = RoomStay(
        index=1,
        external_room_type_id="RT1",
        unit_id=unit.id,
        arrival=ARRIVAL,
        departure=departure,
        guest_count=2,
        nightly_prices=prices,
    )
    return Reservation(
        id=uuid4(),
        connection_id=connection.id,
        external_id=f"R{n}",
        external_property_id="H1",
        property_id=prop.id,
        revision=Revision(NOW),
        arrival=ARRIVAL,
        departure=departure,
        room_stays=(stay,),
        booker=Guest(given_name="Ada", surname="Lovelace", email="ada@example.org"),
        currency="EUR",
    )


def _message(connection: Connection, n: int) -> OutboundMessage:
    payload = AvailRequest(
        hotel_code="H1",
        month=ARRIVAL,
        items=(AvailRange(room_type_code="RT1", start=ARRIVAL, end=ARRIVAL, booking_limit=1),),
    )
    return OutboundMessage(
        id=uuid4(),
        connection_id=connection.id,
        hotel_code="H1",
        kind=OutboundKind.AVAILABILITY,
        payload=payload,
        ordering_key=f"H{n}",
        next_attempt_at=NOW,
        created_at=NOW + timedelta(microseconds=n),
    )


def run(label: str, url: str, reservations: int, messages: int) -> None:
    """Measure and print both figures for one database."""
    engine = create_database_engine(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock())
    organization = Organization(uuid4(), "bench")
    connection = Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        created_at=NOW,
    ).activate("bench", NOW)  # only an active connection's messages are claimed
    prop = Property(uuid4(), organization.id, "bench hotel", "EUR")
    unit = Unit(uuid4(), prop.id, "double")
    with factory() as uow:
        uow.organizations.add(organization)
        uow.connections.add(connection)
        uow.properties.add(prop)
        uow.units.add(unit)
        uow.commit()

    started = time.perf_counter()
    for n in range(reservations):  # one transaction per reservation, as the intake does
        with factory() as uow:
            uow.reservations.add(_reservation(connection, prop, unit, n))
            uow.commit()
    saved_per_second = reservations / (time.perf_counter() - started)

    with factory() as uow:
        for n in range(messages):
            uow.outbound.add(_message(connection, n))
        uow.commit()
    started = time.perf_counter()
    claimed = 0
    while True:
        with factory() as uow:
            batch = uow.outbound.claim_due(NOW + timedelta(hours=1), "bench", 20)
            uow.commit()
        if not batch:
            break
        claimed += len(batch)
    claims_per_second = claimed / (time.perf_counter() - started)
    engine.dispose()
    print(f"{label:<10} reservations saved/s: {saved_per_second:8.1f}  ({reservations} saved)")
    print(f"{label:<10} outbound claimed/s:   {claims_per_second:8.1f}  ({claimed} claimed)")


def main() -> None:
    """Parse the sizes and run both backends."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reservations", type=int, default=300)
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()
    with sqlite_url() as url:
        run("sqlite", url, args.reservations, args.messages)
    with postgres_url() as url:
        run("postgresql", url, args.reservations, args.messages)


if __name__ == "__main__":
    main()
