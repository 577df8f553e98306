"""A polled batch of reservation messages is applied in one transaction with the same
ledger decisions as one message at a time, and its availability goes out once.
"""

from __future__ import annotations

from datetime import timedelta

from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    UnitMappingInput,
)
from channel_manager.application.sync import SyncService
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.connection import Connection
from channel_manager.domain.ledger import LedgerOutcome
from channel_manager.domain.reservation import ReservationStatus
from tests.support.builders import HOTEL, ROOM_DOUBLE, ROOM_SUITE, booking
from tests.support.clock import next_year
from tests.unit.application.conftest import World

ARRIVAL = next_year(3, 10)
MODIFY = ReservationMessageKind.MODIFY
CANCEL = ReservationMessageKind.CANCEL


async def _map_both_rooms(world: World, connection: Connection) -> None:
    units = (
        UnitMappingInput(external_room_type_id=ROOM_DOUBLE, internal_unit_id=world.double.id),
        UnitMappingInput(external_room_type_id=ROOM_SUITE, internal_unit_id=world.suite.id),
    )
    hotel = HotelMappingInput(
        external_property_id=HOTEL, internal_property_id=world.property.id, units=units
    )
    await world.container.mappings().save(
        world.organization.id, connection.id, MappingsInput(hotels=(hotel,))
    )
    await world.deliver_opening()  # the rooms' whole calendar, sent when they were mapped


async def test_a_batch_is_decided_message_by_message_in_order(world: World) -> None:
    connection = await world.connect()
    await _map_both_rooms(world, connection)
    intake = world.container.intake()
    intake.apply(connection, booking("R0", nights=1))
    batch = [
        booking("R1", nights=2),
        booking("R2", room=ROOM_SUITE),
        booking("R1", kind=MODIFY, nights=3, minute=5),  # sees R1 created just before
        booking("R1", nights=2),  # a late redelivery of R1's first message
        booking("R1", kind=MODIFY, nights=3, minute=5),  # the modification again
        booking("R3", kind=CANCEL, minute=1),  # a cancellation of a booking never seen
        booking("R2", kind=CANCEL, minute=9),
        booking("R0", kind=CANCEL, minute=9),  # stored before the batch
    ]

    results = intake.apply_batch(connection, batch)

    assert results == [
        LedgerOutcome.CREATED,
        LedgerOutcome.CREATED,
        LedgerOutcome.UPDATED,
        LedgerOutcome.STALE,
        LedgerOutcome.DUPLICATE,
        LedgerOutcome.TOMBSTONED,
        LedgerOutcome.CANCELLED,
        LedgerOutcome.CANCELLED,
    ]
    stored = {
        r.external_id: r for r in world.container.queries().reservations(world.organization.id)
    }
    assert stored["R1"].status is ReservationStatus.MODIFIED
    assert stored["R1"].departure == ARRIVAL + timedelta(days=3)
    assert {stored[key].status for key in ("R0", "R2", "R3")} == {ReservationStatus.CANCELLED}


async def test_a_batch_publishes_its_net_availability_once(world: World) -> None:
    connection = await world.connect()
    await _map_both_rooms(world, connection)
    intake = world.container.intake()

    intake.apply_batch(
        connection,
        [
            booking("R1", nights=2),
            booking("R2", nights=1),
            # The suite is booked and cancelled within the batch: nothing changed for it.
            booking("R3", room=ROOM_SUITE),
            booking("R3", room=ROOM_SUITE, kind=CANCEL, minute=3),
        ],
    )

    [push] = world.pushes()
    assert isinstance(push.payload, AvailRequest)
    limits = [(i.room_type_code, i.start, i.end, i.booking_limit) for i in push.payload.items]
    count = world.double.count
    assert limits == [
        (ROOM_DOUBLE, ARRIVAL, ARRIVAL, count - 2),
        (ROOM_DOUBLE, ARRIVAL + timedelta(days=1), ARRIVAL + timedelta(days=1), count - 1),
    ]


async def test_the_poll_stores_in_batches_and_acknowledges_after_the_last(world: World) -> None:
    connection = await world.connect()
    await _map_both_rooms(world, connection)
    container = world.container
    sync = SyncService(
        container.uow_factory(),
        container.gateways(),
        container.intake(),
        world.clock,
        container.ids(),
        container.intervals(),
        batch_size=2,
    )
    for n in range(5):
        world.channel.enqueue(booking(f"R{n}", arrival=ARRIVAL + timedelta(days=7 * n)))

    run = await sync.poll(connection.id)

    assert run is not None
    assert (run.counts["reservations"], run.counts["created"], run.counts["acknowledged"]) == (
        5,
        5,
        5,
    )
    assert world.channel.pending_messages() == []
    assert len(container.queries().reservations(world.organization.id)) == 5
