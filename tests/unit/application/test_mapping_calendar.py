"""Saving a mapping: a newly mapped room's whole calendar goes out (not only its booked
nights), from the property's own today; mistakes are named as a person knows them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from uuid import UUID

import attrs
import pytest

from channel_manager.application import mappings
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_calendar import CALENDAR_DAYS
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.channel import ExternalRatePlan
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import MappingConflict, NotFound
from channel_manager.domain.sync import OutboundMessage
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, ROOM_SUITE, booking, catalog
from tests.support.clock import HARD_DAYS
from tests.unit.application.conftest import World

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _rooms(*pairs: tuple[str, UUID]) -> tuple[UnitMappingInput, ...]:
    return tuple(
        UnitMappingInput(external_room_type_id=code, internal_unit_id=unit) for code, unit in pairs
    )


async def _save(
    world: World,
    connection: Connection,
    *rooms: tuple[str, UUID],
    sync: bool = True,
    property_id: UUID | None = None,
    hotel: str = HOTEL,
) -> None:
    await world.container.mappings().save(
        world.organization.id,
        connection.id,
        MappingsInput(
            hotels=(
                HotelMappingInput(
                    external_property_id=hotel,
                    internal_property_id=property_id or world.property.id,
                    sync_enabled=sync,
                    units=_rooms(*rooms),
                ),
            )
        ),
    )


def _nights(pushes: Iterable[OutboundMessage]) -> dict[str, dict[date, int]]:
    """Availability per room type and night, over every availability push (oldest first, so
    a later value wins as it does at the channel)."""
    sent: dict[str, dict[date, int]] = {}
    for push in sorted(pushes, key=lambda m: m.created_at):
        assert isinstance(push.payload, AvailRequest)
        for item in push.payload.items:
            assert item.booking_limit is not None
            day = item.start
            while day <= item.end:
                sent.setdefault(item.room_type_code, {})[day] = item.booking_limit
                day += timedelta(days=1)
    return sent


def _calendar(first: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(CALENDAR_DAYS)]


async def test_a_first_mapping_sends_every_night_of_the_year_not_only_booked_ones(
    world: World,
) -> None:
    connection = await world.connect()
    today = world.clock.now().date()
    # Arrived while the hotel was unmapped: kept, then linked by the mapping.
    booked = [today + timedelta(days=20), today + timedelta(days=21)]
    world.channel.enqueue(booking("R1", room=ROOM_DOUBLE, arrival=booked[0], nights=2))
    await world.container.sync().poll(connection.id)
    assert world.pushes() == []

    await _save(world, connection, (ROOM_DOUBLE, world.double.id))

    pushes = world.pushes()
    sent = _nights(pushes)
    assert set(sent) == {ROOM_DOUBLE}  # the unmapped suite sends nothing
    assert sorted(sent[ROOM_DOUBLE]) == _calendar(today)
    for night in _calendar(today):
        expected = world.double.count - 1 if night in booked else world.double.count
        assert sent[ROOM_DOUBLE][night] == expected, night
    # One request per calendar month of the hotel, and the booked nights are not sent twice.
    months = {(night.year, night.month) for night in _calendar(today)}
    assert len(pushes) == len(months)
    assert all(push.connection_id == connection.id for push in pushes)


async def test_today_is_the_propertys_own(world: World) -> None:
    """22:30 UTC on 30 June: in Amsterdam it is already 1 July."""
    world.clock.current = HARD_DAYS["late-evening-utc"]
    inventory = world.container.inventory()
    amsterdam = inventory.create_property(
        world.organization.id, "Canal House Amsterdam", "EUR", "Europe/Amsterdam"
    )
    double = inventory.create_unit(world.organization.id, amsterdam.id, "Double", count=2)
    connection = await world.connect()

    await _save(world, connection, (ROOM_DOUBLE, double.id), property_id=amsterdam.id)

    sent = _nights(world.pushes())[ROOM_DOUBLE]
    assert min(sent) == date(2027, 7, 1)
    assert sorted(sent) == _calendar(date(2027, 7, 1))
    assert set(sent.values()) == {2}


async def test_saving_the_same_mapping_again_sends_nothing_new(world: World) -> None:
    connection = await world.connect()
    await _save(world, connection, (ROOM_DOUBLE, world.double.id))
    await world.deliver_opening()

    await _save(world, connection, (ROOM_DOUBLE, world.double.id))

    assert world.pushes() == []


async def test_only_the_newly_mapped_room_sends_its_calendar(world: World) -> None:
    connection = await world.connect()
    await _save(world, connection, (ROOM_DOUBLE, world.double.id))
    await world.deliver_opening()

    await _save(world, connection, (ROOM_DOUBLE, world.double.id), (ROOM_SUITE, world.suite.id))

    sent = _nights(world.pushes())
    assert set(sent) == {ROOM_SUITE}
    assert sorted(sent[ROOM_SUITE]) == _calendar(world.clock.now().date())
    assert set(sent[ROOM_SUITE].values()) == {world.suite.count}


async def test_a_room_moved_to_another_unit_sends_that_units_calendar(world: World) -> None:
    connection = await world.connect()
    await _save(world, connection, (ROOM_DOUBLE, world.double.id))
    await world.deliver_opening()

    await _save(world, connection, (ROOM_DOUBLE, world.suite.id))

    sent = _nights(world.pushes())
    assert set(sent) == {ROOM_DOUBLE}
    assert set(sent[ROOM_DOUBLE].values()) == {world.suite.count}


async def test_a_hotel_not_synced_sends_nothing_until_syncing_is_switched_on(
    world: World,
) -> None:
    connection = await world.connect()
    await _save(world, connection, (ROOM_DOUBLE, world.double.id), sync=False)
    assert world.pushes() == []

    await _save(world, connection, (ROOM_DOUBLE, world.double.id), sync=True)

    sent = _nights(world.pushes())
    assert sorted(sent[ROOM_DOUBLE]) == _calendar(world.clock.now().date())


async def test_a_booking_beyond_the_calendar_still_goes_out_when_its_room_is_mapped(
    world: World,
) -> None:
    connection = await world.connect()
    far = world.clock.now().date() + timedelta(days=CALENDAR_DAYS + 30)
    world.channel.enqueue(booking("FAR", room=ROOM_DOUBLE, arrival=far, nights=1))
    await world.container.sync().poll(connection.id)

    await _save(world, connection, (ROOM_DOUBLE, world.double.id))

    assert _nights(world.pushes())[ROOM_DOUBLE][far] == world.double.count - 1


# --- mistakes named as a person knows them ------------------------------------------------


async def test_one_unit_for_two_room_types_is_named_not_numbered(world: World) -> None:
    connection = await world.connect()

    with pytest.raises(MappingConflict) as refused:
        await _save(
            world, connection, (ROOM_DOUBLE, world.double.id), (ROOM_SUITE, world.double.id)
        )

    message = str(refused.value)
    assert "your unit 'Double' is chosen for more than one room type" in message
    assert "'Double Room' (100000101) and 'Family Suite' (100000102)" in message
    assert not _UUID.search(message)


async def test_one_property_for_two_hotels_is_named_not_numbered(world: World) -> None:
    world.channel.add_hotel(catalog("2000002", "Canal House Annex"))
    connection = await world.connect()
    await _save(world, connection, (ROOM_DOUBLE, world.double.id))

    with pytest.raises(MappingConflict) as refused:
        await _save(world, connection, hotel="2000002")

    message = str(refused.value)
    assert "your property 'Canal House Amsterdam' is chosen for more than one" in message
    assert "'Canal House Annex' (2000002)" in message
    assert not _UUID.search(message)


async def test_one_rate_plan_for_two_of_the_channels_is_named(world: World) -> None:
    plan = world.container.inventory().create_rate_plan(
        world.organization.id, world.property.id, "Flexible", "FLEX"
    )
    base = catalog()
    world.channel.add_hotel(
        attrs.evolve(
            base, rate_plans=(*base.rate_plans, ExternalRatePlan("50002", "Non-refundable"))
        )
    )
    connection = await world.connect()

    with pytest.raises(MappingConflict) as refused:
        await world.container.mappings().save(
            world.organization.id,
            connection.id,
            MappingsInput(
                hotels=(
                    HotelMappingInput(
                        external_property_id=HOTEL,
                        internal_property_id=world.property.id,
                        rate_plans=(
                            RatePlanMappingInput(
                                external_rate_plan_id=RATE_STANDARD, internal_rate_plan_id=plan.id
                            ),
                            RatePlanMappingInput(
                                external_rate_plan_id="50002", internal_rate_plan_id=plan.id
                            ),
                        ),
                    ),
                )
            ),
        )

    message = str(refused.value)
    assert "your rate plan 'Flexible' is chosen for more than one rate plan" in message
    assert "'Standard Rate' (50001) and 'Non-refundable' (50002)" in message
    assert not _UUID.search(message)


async def test_another_organisations_unit_is_not_found_and_not_named(world: World) -> None:
    inventory = world.container.inventory()
    others = inventory.ensure_organization("Someone Else")
    theirs = inventory.create_property(others.id, "Their Secret Hotel", "EUR")
    their_unit = inventory.create_unit(others.id, theirs.id, "Their Secret Room")
    connection = await world.connect()

    with pytest.raises(NotFound) as refused:
        await _save(world, connection, (ROOM_DOUBLE, their_unit.id))

    assert "Secret" not in str(refused.value)


async def test_a_unit_of_another_of_our_properties_is_named_with_both_properties(
    world: World,
) -> None:
    inventory = world.container.inventory()
    loft = inventory.create_property(world.organization.id, "Canal Loft", "EUR")
    studio = inventory.create_unit(world.organization.id, loft.id, "Loft Studio")
    connection = await world.connect()

    with pytest.raises(InvalidRequest) as refused:
        await _save(world, connection, (ROOM_DOUBLE, studio.id))

    message = str(refused.value)
    assert "room type 'Double Room' (100000101)" in message
    assert "'Loft Studio' belongs to your property 'Canal Loft', not to 'Canal House" in message
    assert not _UUID.search(message)


async def test_a_backlog_of_unlinked_bookings_is_linked_a_page_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hotel mapped after months of bookings: its backlog is read in pages (never all at
    once), and every booking of it is linked and counted."""
    connection = await world.connect()
    today = world.clock.now().date()
    arrivals = [today + timedelta(days=10 + n) for n in range(5)]
    for n, arrival in enumerate(arrivals):
        world.channel.enqueue(booking(f"B{n}", room=ROOM_DOUBLE, arrival=arrival, nights=1))
    await world.container.sync().poll(connection.id)
    monkeypatch.setattr(mappings, "RELINK_PAGE", 2)
    with world.container.uow_factory()() as uow:
        repository = type(uow.reservations)
    pages: list[tuple[int | None, int]] = []
    original = repository.list_unlinked

    def spy(self: object, *args: object, **kwargs: object) -> Sequence[object]:
        found = original(self, *args, **kwargs)  # type: ignore[arg-type]
        pages.append((kwargs.get("limit"), len(found)))  # type: ignore[arg-type]
        return found

    monkeypatch.setattr(repository, "list_unlinked", spy)

    await _save(world, connection, (ROOM_DOUBLE, world.double.id))

    assert pages == [(2, 2), (2, 2), (2, 1), (2, 0)]
    with world.container.uow_factory()() as uow:
        assert uow.reservations.count_unlinked(connection.id) == 0
    sent = _nights(world.pushes())[ROOM_DOUBLE]
    assert all(sent[night] == world.double.count - 1 for night in arrivals)
