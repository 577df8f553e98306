"""Repair tools: a resync sends a window of our calendar's full state again to one
connection (and links it like any change), and the drift check lists what a connection may
not hold, by our delivery record and by the channel's readback where it has one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import attrs
import pytest

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.calendar import CalendarChangeInput, InvalidWindow
from channel_manager.application.drift import Difference, DriftReason, ReadbackState
from channel_manager.application.errors import ConnectionNotActive, InvalidRequest
from channel_manager.application.repair import RepairService
from channel_manager.domain.ari import AvailRequest, DayValues, RateRequest
from channel_manager.domain.calendar import CalendarNight, DeliveryState
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus, HotelClaim
from channel_manager.domain.errors import InvalidDateRange, NotFound, PermanentChannelError
from channel_manager.domain.inventory import RatePlan
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping
from channel_manager.domain.money import Money
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, booking
from tests.support.clock import next_year
from tests.unit.application.conftest import World

NIGHT = next_year(3, 10)
LAST = NIGHT + timedelta(days=3)
OTHER_HOTEL = "2000001"


async def _mapped(world: World) -> tuple[Connection, RatePlan]:
    """A connection mapping the hotel's double room to our Double and its rate plan to a new
    rate plan of ours (the suite stays unmapped); what the mapping sent is set apart."""
    connection = await world.connect()
    return connection, await world.map_double(connection)


def _stored_connection(
    world: World,
    plan: RatePlan,
    hotel: str = OTHER_HOTEL,
    auth_mode: AuthMode = AuthMode.OAUTH2,
    account: str | None = None,
) -> Connection:
    """Another active connection mapping our Double and rate plan on ``hotel`` (stored
    directly: the fake channel has one account)."""
    now = world.clock.now()
    connection = Connection(
        id=uuid4(),
        organization_id=world.organization.id,
        channel="booking",
        auth_mode=auth_mode,
        status=ConnectionStatus.ACTIVE,
        credential_ref="vault:other",
        external_account_id=account,
        created_at=now,
    )
    mapping = PropertyMapping(
        id=uuid4(),
        connection_id=connection.id,
        internal_property_id=world.property.id,
        external_property_id=hotel,
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
                external_room_type_id=ROOM_DOUBLE,
                created_at=now,
            )
        )
        uow.rate_plan_mappings.add(
            RatePlanMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_rate_plan_id=plan.id,
                external_rate_plan_id=RATE_STANDARD,
                created_at=now,
            )
        )
        uow.commit()
    return connection


def _set_status(world: World, connection: Connection, status: ConnectionStatus) -> None:
    with world.container.uow_factory()() as uow:
        uow.connections.update(attrs.evolve(uow.connections.get(connection.id), status=status))
        uow.commit()


async def _deliver(world: World) -> None:
    dispatcher = world.container.dispatcher()
    while await dispatcher.dispatch_due("w1", limit=100):
        pass


def _set(world: World, plan: RatePlan) -> None:
    """Rooms to sell on the first two nights, a rate and a minimum stay on the first, and a
    stop-sell of the whole unit on the third."""
    world.container.calendar().change(
        world.organization.id,
        [
            CalendarChangeInput(
                unit_id=world.double.id,
                start=NIGHT,
                end=NIGHT + timedelta(days=1),
                availability=2,
            ),
            CalendarChangeInput(
                unit_id=world.double.id,
                rate_plan_id=plan.id,
                start=NIGHT,
                end=NIGHT,
                rate="120.50",
                min_stay=2,
            ),
            CalendarChangeInput(
                unit_id=world.double.id,
                start=NIGHT + timedelta(days=2),
                end=NIGHT + timedelta(days=2),
                stop_sell=True,
            ),
        ],
    )


def _rows(differences: tuple[Difference, ...]) -> set[tuple[object, ...]]:
    return {
        (d.night, d.field.value, d.rate_plan_code, d.reason.value, d.ours, d.theirs)
        for d in differences
    }


async def test_a_resync_sends_the_windows_full_state_to_that_connection_alone(
    world: World,
) -> None:
    connection, plan = await _mapped(world)
    other = _stored_connection(world, plan)
    _set(world, plan)
    world.container.intake().apply(connection, booking("R1", arrival=NIGHT, nights=1))
    await _deliver(world)
    before = {m.id for m in world.pushes()}
    world.clock.advance(timedelta(seconds=1))

    result = world.container.repair().resync(world.organization.id, connection.id, NIGHT, LAST)

    pushes = [m for m in world.pushes() if m.id not in before]
    assert {m.id for m in pushes} == set(result.push_ids)
    assert {m.connection_id for m in pushes} == {connection.id}
    assert (result.connection_id, result.first_night, result.last_night) == (
        connection.id,
        NIGHT,
        LAST,
    )
    [avail] = [m.payload for m in pushes if isinstance(m.payload, AvailRequest)]
    [rates] = [m.payload for m in pushes if isinstance(m.payload, RateRequest)]
    count = world.double.count
    sent = [
        (i.rate_plan_code, i.start, i.end, i.booking_limit, i.min_los, i.max_los, i.stop_sell)
        for i in avail.items
    ]
    # What is left to sell on every night (1 of 2 on the booked one, the unit's count where
    # nothing is set), the unit's stop-sell and the rate plan's minimum stay: nothing unset.
    assert sent == [
        (None, NIGHT, NIGHT, 1, None, None, None),
        (None, NIGHT + timedelta(days=1), NIGHT + timedelta(days=1), 2, None, None, None),
        (None, NIGHT + timedelta(days=2), NIGHT + timedelta(days=2), count, None, None, True),
        (None, LAST, LAST, count, None, None, None),
        (RATE_STANDARD, NIGHT, NIGHT, None, 2, None, None),
    ]
    assert all(i.closed_to_arrival is None and i.closed_to_departure is None for i in avail.items)
    assert [(r.rate_plan_code, r.start, r.end, r.amount) for r in rates.items] == [
        (RATE_STANDARD, NIGHT, NIGHT, Money.of("120.50", "EUR"))
    ]
    # Linked like any calendar change: this connection's values are queued again, the other
    # connection's links are untouched.
    read = world.container.calendar().read(world.organization.id, world.property.id, NIGHT, LAST)
    [double] = [u for u in read.units if u.unit_id == world.double.id]
    for night in double.nights:
        states = {c.connection_id: c.state for c in night.channels}
        assert states[connection.id] is DeliveryState.QUEUED
        assert states[other.id] is not DeliveryState.QUEUED
    rate_night = double.rate_plans[0].nights[0]
    [mine] = [c for c in rate_night.channels if c.connection_id == connection.id]
    assert set(mine.push_ids) == set(result.push_ids)  # the rate and the minimum stay


async def test_a_resync_puts_back_what_the_channel_lost(world: World) -> None:
    connection, plan = await _mapped(world)
    _set(world, plan)
    repair = world.container.repair()
    repair.resync(world.organization.id, connection.id, NIGHT, LAST)
    await _deliver(world)
    channel = world.channel
    channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] = 9
    channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)] = Money.of("1.00", "EUR")
    del channel.restrictions[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)]["min_los"]

    drift = await repair.drift(world.organization.id, connection.id, NIGHT, LAST)

    assert drift.readback is ReadbackState.COMPARED
    assert _rows(drift.differences) == {
        (NIGHT, "availability", None, "channel_differs", "2", "9"),
        (NIGHT, "rate", RATE_STANDARD, "channel_differs", "120.50 EUR", "1.00 EUR"),
        (NIGHT, "min_stay", RATE_STANDARD, "channel_differs", "2", None),
    }
    repair.resync(world.organization.id, connection.id, NIGHT, LAST)
    await _deliver(world)
    assert channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] == 2
    assert channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)].amount == Decimal("120.50")
    assert channel.restrictions[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)]["min_los"] == 2
    after = await repair.drift(world.organization.id, connection.id, NIGHT, LAST)
    assert after.differences == ()


async def test_drift_by_the_delivery_record(world: World) -> None:
    connection, plan = await _mapped(world)
    repair = world.container.repair()
    org = world.organization.id
    repair.resync(org, connection.id, NIGHT, LAST)
    await _deliver(world)
    assert (await repair.drift(org, connection.id, NIGHT, LAST)).differences == ()
    calendar = world.container.calendar()

    # A rate whose push failed, and rooms to sell still queued.
    world.channel.fail_next(GatewayOperation.PUSH_RATES, PermanentChannelError("402", "no"))
    calendar.change(
        org,
        [
            CalendarChangeInput(
                unit_id=world.double.id, rate_plan_id=plan.id, start=NIGHT, end=NIGHT, rate="80"
            )
        ],
    )
    await _deliver(world)
    [failed] = [m for m in world.pushes() if m.state.value == "failed"]
    calendar.change(
        org, [CalendarChangeInput(unit_id=world.double.id, start=LAST, end=LAST, availability=1)]
    )
    # A booking while the connection was in error: the delivered count is stale.
    _set_status(world, connection, ConnectionStatus.ERROR)
    world.container.intake().apply(connection, booking("R1", arrival=NIGHT, nights=1))
    _set_status(world, connection, ConnectionStatus.ACTIVE)
    # A value stored without going out (as an older release or a failed fan-out would leave).
    second = NIGHT + timedelta(days=1)
    with world.container.uow_factory()() as uow:
        values = DayValues(closed_to_arrival=True)
        uow.calendar.merge([CalendarNight(world.double.id, plan.id, second, values)])
        uow.commit()

    drift = await repair.drift(org, connection.id, NIGHT, LAST)

    count, left = str(world.double.count), str(world.double.count - 1)
    assert _rows(drift.differences) == {
        # By our delivery record ...
        (NIGHT, "rate", RATE_STANDARD, "failed", "80.00 EUR", None),
        (LAST, "availability", None, "queued", "1", None),
        (NIGHT, "availability", None, "stale", left, count),
        (second, "closed_to_arrival", RATE_STANDARD, "never_sent", "true", None),
        # ... and by what the channel holds.
        (NIGHT, "rate", RATE_STANDARD, "channel_differs", "80.00 EUR", None),
        (LAST, "availability", None, "channel_differs", "1", count),
        (NIGHT, "availability", None, "channel_differs", left, count),
        (second, "closed_to_arrival", RATE_STANDARD, "channel_differs", "true", None),
    }
    by_reason = {d.reason: d for d in drift.differences}
    assert by_reason[DriftReason.FAILED].push_id == failed.id
    assert by_reason[DriftReason.NEVER_SENT].push_id is None
    assert by_reason[DriftReason.STALE].unit_name == world.double.name
    assert by_reason[DriftReason.FAILED].rate_plan_name == plan.name
    assert drift.readback is ReadbackState.COMPARED
    # Unit first, its own values before its rate plan's, then by night.
    order = [(d.rate_plan_id is not None, d.night) for d in drift.differences]
    assert order == sorted(order)


async def test_the_readback_is_compared_only_on_an_active_connection_that_offers_one(
    world: World,
) -> None:
    connection, _plan = await _mapped(world)
    org = world.organization.id
    world.channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] = 9
    without = RepairService(
        world.container.uow_factory(),
        world.container.outbox(),
        world.clock,
    )

    report = await without.drift(org, connection.id, NIGHT, NIGHT)

    assert report.readback is ReadbackState.NOT_OFFERED
    assert DriftReason.CHANNEL_DIFFERS not in {d.reason for d in report.differences}
    _set_status(world, connection, ConnectionStatus.ERROR)
    inactive = await world.container.repair().drift(org, connection.id, NIGHT, NIGHT)
    assert inactive.readback is ReadbackState.CONNECTION_NOT_ACTIVE
    assert GatewayOperation.READ_ARI not in world.channel.calls


async def test_a_booking_connectivity_connection_reads_back_only_the_hotel_it_holds(
    world: World,
) -> None:
    with world.container.uow_factory()() as uow:
        plan = RatePlan(id=uuid4(), property_id=world.property.id, name="Standard", code="STD")
        uow.rate_plans.add(plan)
        uow.commit()
    connection = _stored_connection(
        world, plan, HOTEL, AuthMode.BOOKING_CONNECTIVITY, account=HOTEL
    )
    org = world.organization.id
    repair = world.container.repair()

    unheld = await repair.drift(org, connection.id, NIGHT, NIGHT)

    assert unheld.readback is ReadbackState.HOTEL_NOT_HELD
    assert GatewayOperation.READ_ARI not in world.channel.calls
    assert {d.reason for d in unheld.differences} == {DriftReason.NEVER_SENT}
    with world.container.uow_factory()() as uow:
        claim = HotelClaim(
            channel="booking",
            external_property_id=HOTEL,
            organization_id=org,
            connection_id=connection.id,
            claimed_at=world.clock.now(),
        )
        uow.hotel_claims.add(claim)
        uow.commit()
    held = await repair.drift(org, connection.id, NIGHT, NIGHT)
    assert world.channel.calls.count(GatewayOperation.READ_ARI) == 1
    assert DriftReason.CHANNEL_DIFFERS in {d.reason for d in held.differences}


async def test_repairs_are_refused_with_a_reason(world: World) -> None:
    connection, plan = await _mapped(world)
    repair = world.container.repair()
    org = world.organization.id
    today = world.clock.now().date()
    refused: list[tuple[type[Exception], date, date, str]] = [
        (InvalidWindow, NIGHT, NIGHT - timedelta(days=1), "before"),
        (InvalidWindow, NIGHT, NIGHT + timedelta(days=400), "at most 400"),
        (InvalidDateRange, today - timedelta(days=1), today, "in the past"),
        (InvalidDateRange, today + timedelta(days=1200), today + timedelta(days=1201), "ahead"),
    ]
    for error, start, end, message in refused:
        with pytest.raises(error, match=message):
            repair.resync(org, connection.id, start, end)
        with pytest.raises(error, match=message):
            await repair.drift(org, connection.id, start, end)
    intruder = world.container.inventory().ensure_organization("Intruders")
    with pytest.raises(NotFound):
        repair.resync(intruder.id, connection.id, NIGHT, NIGHT)
    with pytest.raises(NotFound):
        await repair.drift(intruder.id, connection.id, NIGHT, NIGHT)
    unmapped = _stored_connection(world, plan)
    with world.container.uow_factory()() as uow:
        [mapping] = uow.property_mappings.list_by_connection(unmapped.id)
        uow.property_mappings.update(attrs.evolve(mapping, sync_enabled=False))
        uow.commit()
    with pytest.raises(InvalidRequest, match="sync is on"):
        repair.resync(org, unmapped.id, NIGHT, NIGHT)
    for status in (ConnectionStatus.ERROR, ConnectionStatus.REVOKED):
        _set_status(world, connection, status)
        with pytest.raises(ConnectionNotActive):
            repair.resync(org, connection.id, NIGHT, NIGHT)
    assert world.pushes() == []
    # The widest window is accepted: 400 nights from the property's today.
    _set_status(world, connection, ConnectionStatus.ACTIVE)
    result = repair.resync(org, connection.id, today, today + timedelta(days=399))
    assert result.push_ids


async def test_the_window_starts_at_the_propertys_own_today(world: World) -> None:
    connection, _plan = await _mapped(world)
    with world.container.uow_factory()() as uow:
        prop = uow.properties.get(world.property.id)
        uow.properties.update(attrs.evolve(prop, timezone="Europe/Amsterdam"))
        uow.commit()
    # Late evening in UTC: Amsterdam is already on the next day.
    world.clock.current = datetime(NIGHT.year, 6, 30, 22, 30, tzinfo=UTC)
    utc_day = date(NIGHT.year, 6, 30)
    repair = world.container.repair()
    org = world.organization.id

    with pytest.raises(InvalidDateRange, match=f"today is {utc_day + timedelta(days=1)}"):
        repair.resync(org, connection.id, utc_day, utc_day + timedelta(days=1))
    amsterdam_day = utc_day + timedelta(days=1)
    result = repair.resync(org, connection.id, amsterdam_day, amsterdam_day + timedelta(days=1))
    [avail] = [
        m.payload
        for m in world.pushes()
        if m.id in result.push_ids and isinstance(m.payload, AvailRequest)
    ]
    assert [(i.start, i.end) for i in avail.items] == [
        (amsterdam_day, amsterdam_day + timedelta(days=1))
    ]
