"""Derived rate plans: a change of the parent is recomputed for its children in the same
transaction and goes out as one change set (one rate message per connection carrying both
plans); a rate set directly on a derived plan is refused; creating a derived plan, or changing
its modifier, derives its nights from the parent's stored ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from channel_manager.application.ari import AriChangeInput
from channel_manager.application.calendar import CalendarChangeInput, RatePlanCalendar
from channel_manager.application.rate_plans import RatePlanChange, RatePlanInput
from channel_manager.domain.ari import AvailRequest, RateRequest
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.derived import DerivedPlanValue, InvalidParent
from channel_manager.domain.errors import InvalidValue, NotFound
from channel_manager.domain.inventory import RatePlan
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping
from channel_manager.domain.pricing import PriceModifier, modifier_of
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE
from tests.support.clock import next_year
from tests.support.outbox import deliver_all
from tests.unit.application.conftest import World

NIGHT = next_year(3, 10)
OTHER_HOTEL = "2000001"


def _map_plan(world: World, mapping_id: UUID, plan: RatePlan, code: str) -> None:
    with world.container.uow_factory()() as uow:
        uow.rate_plan_mappings.add(
            RatePlanMapping(
                id=uuid4(),
                property_mapping_id=mapping_id,
                internal_rate_plan_id=plan.id,
                external_rate_plan_id=code,
                created_at=world.clock.now(),
            )
        )
        uow.commit()


def _hotel_mapping(world: World, connection: Connection) -> UUID:
    with world.container.uow_factory()() as uow:
        [mapping] = uow.property_mappings.list_by_connection(connection.id)
    return mapping.id


def _second_connection(world: World) -> tuple[Connection, UUID]:
    """Another active connection mapping our Double on its own hotel (no rate plans yet)."""
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
        uow.commit()
    return connection, mapping.id


def _derive(world: World, parent: RatePlan, modifier: PriceModifier, **kw: Any) -> RatePlan:
    view = world.container.rate_plans().create(
        world.organization.id,
        RatePlanInput(
            property_id=world.property.id,
            name=kw.pop("name", "Non-refundable"),
            parent_rate_plan_id=parent.id,
            modifier=modifier,
            **kw,
        ),
    )
    return view.plan


def _set(world: World, plan: RatePlan, start: date = NIGHT, days: int = 1, **values: Any):
    return world.container.calendar().change(
        world.organization.id,
        [
            CalendarChangeInput(
                unit_id=world.double.id,
                rate_plan_id=plan.id,
                start=start,
                end=start + timedelta(days=days - 1),
                **values,
            )
        ],
    )


def _plan_calendar(world: World, plan: RatePlan, days: int = 2) -> RatePlanCalendar:
    read = world.container.calendar().read(
        world.organization.id, world.property.id, NIGHT, NIGHT + timedelta(days=days - 1)
    )
    [double] = [unit for unit in read.units if unit.unit_id == world.double.id]
    [found] = [p for p in double.rate_plans if p.rate_plan_id == plan.id]
    return found


async def test_a_parent_change_is_stored_for_the_child_and_sent_as_one_message_per_connection(
    world: World,
) -> None:
    connection = await world.connect()
    parent = await world.map_double(connection)
    other, other_mapping = _second_connection(world)
    child = _derive(world, parent, PriceModifier.of_percent("-10"))
    _map_plan(world, _hotel_mapping(world, connection), child, "50002")
    _map_plan(world, other_mapping, parent, "P2")
    _map_plan(world, other_mapping, child, "P3")

    _set(world, parent, days=2, rate="100.00", min_stay=2)

    stored = _plan_calendar(world, child)
    assert [(n.rate, n.min_stay) for n in stored.nights] == [("90.00", 2), ("90.00", 2)]
    assert stored.parent_rate_plan_id == parent.id
    assert stored.parent_name == parent.name
    assert stored.modifier == "-10%"
    rates = [p for p in world.pushes() if isinstance(p.payload, RateRequest)]
    assert sorted(p.connection_id for p in rates) == sorted([connection.id, other.id])
    by_connection = {
        p.connection_id: {(i.rate_plan_code, str(i.amount.amount)) for i in p.payload.items}
        for p in rates
        if isinstance(p.payload, RateRequest)
    }
    assert by_connection == {
        connection.id: {(RATE_STANDARD, "100.00"), ("50002", "90.00")},
        other.id: {("P2", "100.00"), ("P3", "90.00")},
    }
    # The inherited minimum stay goes out for both plans in one availability message each.
    avail = [p for p in world.pushes() if isinstance(p.payload, AvailRequest)]
    assert sorted(p.connection_id for p in avail) == sorted([connection.id, other.id])
    # The child's values are linked to the push that carried them, like any calendar value.
    assert all(channel.state is not None for night in stored.nights for channel in night.channels)


async def test_a_rate_set_directly_on_a_derived_plan_is_refused_and_nothing_is_stored(
    world: World,
) -> None:
    parent = await world.map_double(await world.connect())
    child = _derive(world, parent, PriceModifier.of_amount("-5.00"))
    before = world.pushes()

    with pytest.raises(DerivedPlanValue, match=r"derived from .* its rate follows"):
        _set(world, child, rate="80.00")
    with pytest.raises(DerivedPlanValue, match="min_stay"):
        _set(world, child, min_stay=3)

    assert _plan_calendar(world, child).nights[0].rate is None
    assert world.pushes() == before


async def test_a_plan_not_inheriting_restrictions_keeps_its_own(world: World) -> None:
    parent = await world.map_double(await world.connect())
    child = _derive(world, parent, PriceModifier.of_percent("10"), inherit_restrictions=False)

    _set(world, child, min_stay=3)
    _set(world, parent, rate="100.00", min_stay=1)

    night = _plan_calendar(world, child).nights[0]
    assert (night.rate, night.min_stay) == ("110.00", 3)


async def test_creating_and_changing_a_derived_plan_derives_from_the_parents_stored_nights(
    world: World,
) -> None:
    connection = await world.connect()
    parent = await world.map_double(connection)
    _set(world, parent, days=2, rate="99.99", stop_sell=True)

    child = _derive(world, parent, PriceModifier.of_percent("-10"))
    assert [(n.rate, n.stop_sell) for n in _plan_calendar(world, child).nights] == [
        ("89.99", True),
        ("89.99", True),
    ]

    _map_plan(world, _hotel_mapping(world, connection), child, "50002")
    # Sent first: a change is merged into a push not sent yet (issue 18), and this test
    # reads what the update queues as pushes of their own.
    await deliver_all(world.container)
    before = {p.id for p in world.pushes()}
    changed = world.container.rate_plans().update(
        world.organization.id, child.id, RatePlanChange(modifier=modifier_of(None, "5.00"))
    )
    assert changed.description == "Non-refundable: Standard Rate +5.00"
    assert [n.rate for n in _plan_calendar(world, child).nights] == ["104.99", "104.99"]
    new = [p.payload for p in world.pushes() if p.id not in before]
    [rates] = [p for p in new if isinstance(p, RateRequest)]
    assert {(i.rate_plan_code, str(i.amount.amount)) for i in rates.items} == {("50002", "104.99")}
    # Its inherited stop-sell, set before the plan was mapped, goes out with it.
    [avail] = [p for p in new if isinstance(p, AvailRequest)]
    assert {(i.rate_plan_code, i.stop_sell) for i in avail.items} == {("50002", True)}


async def test_a_parent_must_be_a_plain_plan_of_the_same_organisation(world: World) -> None:
    parent = await world.map_double(await world.connect())
    child = _derive(world, parent, PriceModifier.of_percent("-10"))
    service = world.container.rate_plans()

    with pytest.raises(InvalidParent, match="itself derived"):
        _derive(world, child, PriceModifier.of_percent("-5"), name="Deeper")
    with pytest.raises(InvalidParent, match="not derived"):
        service.update(
            world.organization.id, parent.id, RatePlanChange(modifier=modifier_of("-3", None))
        )
    with pytest.raises(InvalidValue, match="exactly one"):
        modifier_of("-10", "5.00")
    other = world.container.inventory().ensure_organization("Someone else")
    with pytest.raises(NotFound):
        service.update(other.id, child.id, RatePlanChange(name="Mine"))
    with pytest.raises(NotFound):
        service.create(
            other.id,
            RatePlanInput(
                property_id=world.property.id,
                name="x",
                parent_rate_plan_id=parent.id,
                modifier=PriceModifier.of_percent("1"),
            ),
        )
    assert [v.description for v in service.list(world.organization.id, world.property.id)] == [
        "Non-refundable: Standard Rate -10%",
        "Standard Rate",
    ]


async def test_the_channel_code_path_follows_the_same_rules(world: World) -> None:
    connection = await world.connect()
    parent = await world.map_double(connection)
    child = _derive(world, parent, PriceModifier.of_percent("-10"))
    _map_plan(world, _hotel_mapping(world, connection), child, "50002")
    ari = world.container.ari()

    def change(code: str, **values: Any) -> AriChangeInput:
        return AriChangeInput(
            hotel_code=HOTEL, room_type_code=ROOM_DOUBLE, rate_plan_code=code,
            start=NIGHT, end=NIGHT, **values,
        )  # fmt: skip

    with pytest.raises(DerivedPlanValue, match="its rate follows"):
        ari.submit(world.organization.id, connection.id, [change("50002", rate="80.00")])
    queued = ari.submit(world.organization.id, connection.id, [change(RATE_STANDARD, rate="80.00")])

    assert [n.rate for n in _plan_calendar(world, child, days=1).nights] == ["72.00"]
    [rates] = [m for m in queued if isinstance(m.payload, RateRequest)]
    assert isinstance(rates.payload, RateRequest)
    assert {(i.rate_plan_code, str(i.amount.amount)) for i in rates.payload.items} == {
        (RATE_STANDARD, "80.00"),
        ("50002", "72.00"),
    }
