"""Our calendar: a change made once in our ids is stored and fanned out to every connection
mapping the unit (and rate plan), what a channel is offered is rooms to sell minus rooms
booked, and the read shows per connection whether each night's values arrived."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.ari import AriChangeInput
from channel_manager.application.calendar import (
    CalendarChangeInput,
    InvalidWindow,
    PropertyCalendar,
    UnitCalendar,
)
from channel_manager.application.errors import InvalidRequest
from channel_manager.domain.ari import AvailRequest, RateRequest
from channel_manager.domain.calendar import DeliveryState
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.errors import (
    InvalidDateRange,
    InvalidMoney,
    InvalidValue,
    NotFound,
    PermanentChannelError,
)
from channel_manager.domain.inventory import RatePlan
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, booking
from tests.support.clock import next_year
from tests.support.outbox import deliver_all
from tests.unit.application.conftest import World

NIGHT = next_year(3, 10)
OTHER_HOTEL = "2000001"


async def _mapped(world: World) -> tuple[Connection, RatePlan]:
    """A connection mapping the hotel's double room to our Double and its rate plan to a new
    rate plan of ours (the suite stays unmapped); what the mapping sent is set apart."""
    connection = await world.connect()
    return connection, await world.map_double(connection)


def _second_connection(world: World, plan: RatePlan) -> Connection:
    """Another active connection of the organisation mapping our Double and rate plan to its
    own codes (stored directly: the fake channel has one account)."""
    now = world.clock.now()
    connection = Connection(
        id=uuid4(),
        organization_id=world.organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="vault:other",
        created_at=now,
    )
    mapping = PropertyMapping(
        id=uuid4(),
        connection_id=connection.id,
        internal_property_id=world.property.id,
        external_property_id=OTHER_HOTEL,
        created_at=now,
    )
    with world.container.uow_factory()() as uow:
        uow.connections.add(connection)
        uow.property_mappings.add(mapping)
        uow.unit_mappings.add(
            UnitMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_unit_id=world.double.id,
                external_room_type_id="R2",
                created_at=now,
            )
        )
        uow.rate_plan_mappings.add(
            RatePlanMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_rate_plan_id=plan.id,
                external_rate_plan_id="P2",
                created_at=now,
            )
        )
        uow.commit()
    return connection


def _change(unit_id: UUID, start: date = NIGHT, end: date = NIGHT, **values: Any):
    return CalendarChangeInput(unit_id=unit_id, start=start, end=end, **values)


def _unit(calendar: PropertyCalendar, unit_id: UUID) -> UnitCalendar:
    [found] = [unit for unit in calendar.units if unit.unit_id == unit_id]
    return found


async def test_a_change_is_stored_and_goes_to_every_connection_mapping_the_unit(
    world: World,
) -> None:
    connection, plan = await _mapped(world)
    other = _second_connection(world, plan)
    calendar = world.container.calendar()

    queued = calendar.change(
        world.organization.id,
        [
            _change(world.double.id, NIGHT, NIGHT + timedelta(days=2), availability=2),
            _change(
                world.double.id,
                NIGHT,
                NIGHT + timedelta(days=1),
                rate_plan_id=plan.id,
                rate="120.50",
                min_stay=2,
            ),
            # A later change overrides what an earlier one set on the same night.
            _change(
                world.double.id,
                NIGHT + timedelta(days=1),
                NIGHT + timedelta(days=1),
                rate_plan_id=plan.id,
                rate="99",
            ),
        ],
    )

    assert {q.connection_id for q in queued} == {connection.id, other.id}
    dispatcher = world.container.dispatcher()
    pushes = {p.id: p for p in dispatcher.list(world.organization.id)}
    sent = {
        (p.connection_id, type(p.payload).__name__, p.payload.hotel_code) for p in pushes.values()
    }
    assert sent == {
        (connection.id, "AvailRequest", HOTEL),
        (connection.id, "RateRequest", HOTEL),
        (other.id, "AvailRequest", OTHER_HOTEL),
        (other.id, "RateRequest", OTHER_HOTEL),
    }
    for pushed in queued:
        assert all(push_id in pushes for push_id in pushed.push_ids)
    [rates] = [
        p.payload
        for p in pushes.values()
        if isinstance(p.payload, RateRequest) and p.connection_id == other.id
    ]
    assert [(r.rate_plan_code, r.start, str(r.amount.amount)) for r in rates.items] == [
        ("P2", NIGHT, "120.50"),
        ("P2", NIGHT + timedelta(days=1), "99.00"),
    ]
    read = calendar.read(world.organization.id, world.property.id, NIGHT, NIGHT + timedelta(days=3))
    double = _unit(read, world.double.id)
    assert [n.rooms_to_sell for n in double.nights] == [2, 2, 2, None]
    assert [n.availability for n in double.nights] == [2, 2, 2, world.double.count]
    [standard] = double.rate_plans
    assert [(n.rate, n.currency, n.min_stay) for n in standard.nights] == [
        ("120.50", "EUR", 2),
        ("99.00", "EUR", 2),
        (None, None, None),
        (None, None, None),
    ]
    first = {c.connection_id: c.state for c in double.nights[0].channels}
    assert first == {connection.id: DeliveryState.QUEUED, other.id: DeliveryState.QUEUED}
    # Mapped, and nothing of this change went out for it (the mapping's opening calendar may
    # have, depending on the day the suite runs).
    assert DeliveryState.QUEUED not in {c.state for c in double.nights[3].channels}
    suite = _unit(read, world.suite.id)
    assert all(n.channels == () for n in suite.nights)  # mapped nowhere


async def test_each_channel_shows_delivered_queued_or_failed(world: World) -> None:
    connection, plan = await _mapped(world)
    calendar = world.container.calendar()
    dispatcher = world.container.dispatcher()
    calendar.change(world.organization.id, [_change(world.double.id, availability=2)])
    await dispatcher.dispatch_due("w1")
    world.clock.advance(timedelta(seconds=1))
    calendar.change(
        world.organization.id, [_change(world.double.id, rate_plan_id=plan.id, rate="80")]
    )

    def states() -> tuple[object, object]:
        read = calendar.read(world.organization.id, world.property.id, NIGHT, NIGHT)
        double = _unit(read, world.double.id)
        return double.nights[0].channels[0].state, double.rate_plans[0].nights[0].channels[0].state

    assert states() == (DeliveryState.DELIVERED, DeliveryState.QUEUED)
    assert world.channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] == 2
    world.channel.fail_next(GatewayOperation.PUSH_RATES, PermanentChannelError("402", "no"))
    await dispatcher.dispatch_due("w1")
    assert states() == (DeliveryState.DELIVERED, DeliveryState.FAILED)
    [failed] = [p for p in dispatcher.list(world.organization.id) if p.state.value == "failed"]
    dispatcher.replay(world.organization.id, failed.id)
    await dispatcher.dispatch_due("w1")
    assert states() == (DeliveryState.DELIVERED, DeliveryState.DELIVERED)
    read = calendar.read(world.organization.id, world.property.id, NIGHT, NIGHT)
    assert _unit(read, world.double.id).rate_plans[0].nights[0].channels[0].push_ids == (failed.id,)
    assert connection.id == _unit(read, world.double.id).nights[0].channels[0].connection_id


async def test_bookings_take_rooms_from_the_rooms_to_sell(world: World) -> None:
    connection, _plan = await _mapped(world)
    calendar = world.container.calendar()
    calendar.change(
        world.organization.id,
        [_change(world.double.id, NIGHT, NIGHT + timedelta(days=1), availability=2)],
    )
    await deliver_all(world.container)  # sent: the booking's push is a message of its own
    world.clock.advance(timedelta(seconds=1))

    world.container.intake().apply(connection, booking("R1", arrival=NIGHT, nights=1))

    newest = world.container.dispatcher().list(world.organization.id)[0]
    assert isinstance(newest.payload, AvailRequest)
    assert [(i.start, i.end, i.booking_limit) for i in newest.payload.items] == [(NIGHT, NIGHT, 1)]
    read = calendar.read(world.organization.id, world.property.id, NIGHT, NIGHT + timedelta(days=1))
    double = _unit(read, world.double.id)
    assert [(n.rooms_to_sell, n.rooms_booked, n.availability) for n in double.nights] == [
        (2, 1, 1),
        (2, 0, 2),
    ]
    assert double.nights[0].channels[0].push_ids == (newest.id,)
    world.clock.advance(timedelta(seconds=1))

    # Setting fewer rooms to sell than are booked offers none, never a negative count.
    calendar.change(world.organization.id, [_change(world.double.id, availability=0)])
    newest = world.container.dispatcher().list(world.organization.id)[0]
    assert isinstance(newest.payload, AvailRequest)
    assert newest.payload.items[0].booking_limit == 0


async def test_ari_in_channel_codes_writes_our_calendar_too(world: World) -> None:
    connection, plan = await _mapped(world)
    world.container.intake().apply(connection, booking("R1", arrival=NIGHT, nights=1))
    world.clock.advance(timedelta(seconds=1))

    queued = world.container.ari().submit(
        world.organization.id,
        connection.id,
        [
            AriChangeInput(
                hotel_code=HOTEL,
                room_type_code=ROOM_DOUBLE,
                rate_plan_code=RATE_STANDARD,
                start=NIGHT,
                end=NIGHT,
                availability=1,
                rate="150.00",
                stop_sell=False,
            )
        ],
    )

    avail = [m.payload for m in queued if isinstance(m.payload, AvailRequest)]
    # What the channel is told to sell is the number given, whatever is booked.
    assert [i.booking_limit for r in avail for i in r.items if i.booking_limit is not None] == [1]
    read = world.container.calendar().read(world.organization.id, world.property.id, NIGHT, NIGHT)
    double = _unit(read, world.double.id)
    night = double.nights[0]
    assert (night.rooms_to_sell, night.rooms_booked, night.availability) == (2, 1, 1)
    rate_night = double.rate_plans[0].nights[0]
    assert (rate_night.rate, rate_night.stop_sell) == ("150.00", False)
    assert double.rate_plans[0].rate_plan_id == plan.id
    assert {c.state for c in (*night.channels, *rate_night.channels)} == {DeliveryState.QUEUED}


async def test_ids_of_another_organisation_are_not_found(world: World) -> None:
    _connection, plan = await _mapped(world)
    intruder = world.container.inventory().ensure_organization("Intruders")
    calendar = world.container.calendar()

    with pytest.raises(NotFound):
        calendar.change(intruder.id, [_change(world.double.id, availability=1)])
    with pytest.raises(NotFound):
        calendar.read(intruder.id, world.property.id, NIGHT, NIGHT)
    theirs = world.container.inventory().create_property(intruder.id, "Theirs", "EUR")
    their_unit = world.container.inventory().create_unit(intruder.id, theirs.id, "X")
    with pytest.raises(NotFound):  # our unit with their... our rate plan on their unit
        calendar.change(intruder.id, [_change(their_unit.id, rate_plan_id=plan.id, rate="10")])
    with pytest.raises(NotFound):
        calendar.change(world.organization.id, [_change(uuid4(), availability=1)])
    assert world.pushes() == []


async def test_bad_changes_are_refused_with_a_reason(world: World) -> None:
    _connection, plan = await _mapped(world)
    calendar = world.container.calendar()
    other = world.container.inventory().create_property(world.organization.id, "Other", "EUR")
    elsewhere = world.container.inventory().create_unit(world.organization.id, other.id, "X")
    org = world.organization.id
    double = world.double.id
    refused: list[tuple[type[Exception], CalendarChangeInput, str]] = [
        (InvalidValue, _change(double, rate_plan_id=None, stop_sell=True, rate="9"), "rate plan"),
        (InvalidValue, _change(double, rate_plan_id=plan.id, availability=1), "per unit"),
        (InvalidValue, _change(double), "at least one"),
        (InvalidValue, _change(double, rate_plan_id=plan.id, min_stay=5, max_stay=2), "minimum"),
        (InvalidMoney, _change(double, rate_plan_id=plan.id, rate="10.123"), "decimals"),
        (InvalidMoney, _change(double, rate_plan_id=plan.id, rate="0"), "more than zero"),
        (InvalidMoney, _change(double, rate_plan_id=plan.id, rate="10", currency="USD"), "EUR"),
        (
            InvalidDateRange,
            _change(double, NIGHT, NIGHT - timedelta(days=1), stop_sell=True),
            "before",
        ),
        (
            InvalidDateRange,
            _change(
                double,
                NIGHT.replace(year=NIGHT.year + 4),
                NIGHT.replace(year=NIGHT.year + 4),
                stop_sell=True,
            ),
            "between",
        ),
        (
            InvalidRequest,
            _change(elsewhere.id, rate_plan_id=plan.id, rate="10"),
            "another property",
        ),
    ]
    for error, change, message in refused:
        with pytest.raises(error, match=message):
            calendar.change(org, [change])
    with pytest.raises(InvalidRequest, match="no changes"):
        calendar.change(org, [])
    assert world.pushes() == []


async def test_the_read_window_is_bounded(world: World) -> None:
    calendar = world.container.calendar()
    org, prop = world.organization.id, world.property.id
    with pytest.raises(InvalidWindow, match="at most 400"):
        calendar.read(org, prop, NIGHT, NIGHT + timedelta(days=400))
    with pytest.raises(InvalidWindow, match="before"):
        calendar.read(org, prop, NIGHT, NIGHT - timedelta(days=1))
    full = calendar.read(org, prop, NIGHT, NIGHT + timedelta(days=399))
    assert len(full.units[0].nights) == 400
    edge = calendar.read(org, prop, date.max - timedelta(days=1), date.max)
    assert [n.night for n in edge.units[0].nights] == [date.max - timedelta(days=1), date.max]
    assert {u.unit_id for u in full.units} == {world.double.id, world.suite.id}
    # Left out, the window is a month from the property's today (no overflow at the end).
    month = calendar.read(org, prop)
    assert (month.first_night, len(month.units[0].nights)) == (world.clock.now().date(), 31)
    assert [n.night for n in calendar.read(org, prop, date.max).units[0].nights] == [date.max]


async def test_a_request_too_big_for_one_transaction_is_refused(world: World) -> None:
    _connection, _plan = await _mapped(world)
    calendar = world.container.calendar()
    year = CalendarChangeInput(
        unit_id=world.double.id,
        start=NIGHT,
        end=NIGHT + timedelta(days=365),
        stop_sell=True,
    )

    with pytest.raises(InvalidRequest, match="at most 36,600 nights"):
        calendar.change(world.organization.id, [year] * 101)
    assert world.pushes() == []
