"""Per-connection rules (issue 18): the publish step sends each connection what its rules
make of our calendar (markup, cap, stop-sell) on every path; changing the rules re-publishes
the connection's horizon; the calendar shows what each channel receives; an iCal calendar
takes no price modifier and a stop-sell or a cap of 0 blocks its whole export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from channel_manager.application.calendar import CalendarChangeInput
from channel_manager.application.connection_rules import RatesNotCarried, RulesInput
from channel_manager.domain.errors import NotFound
from channel_manager.domain.money import Money
from channel_manager.domain.pricing import PriceModifier
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, booking
from tests.support.clock import shifted_today
from tests.support.feed_world import PUBLIC_URL, FeedWorld, feed_world, parse_ranges
from tests.unit.application.conftest import World

#: Ten weeks ahead: inside the year a change of rules (and an opening calendar) re-sends,
#: with the far night 200 days later still inside it, on every day of the date sweep.
NIGHT = shifted_today() + timedelta(days=70)


async def _deliver(world: World) -> None:
    dispatcher = world.container.dispatcher()
    while await dispatcher.dispatch_due("w1", limit=100):
        pass


def _set_rate(world: World, plan_id, rate: str, nights: int = 1) -> None:
    world.clock.advance(timedelta(seconds=1))  # after what was queued before
    world.container.calendar().change(
        world.organization.id,
        [
            CalendarChangeInput(
                unit_id=world.double.id,
                rate_plan_id=plan_id,
                start=NIGHT,
                end=NIGHT + timedelta(days=nights - 1),
                rate=rate,
            )
        ],
    )


async def test_a_markup_cap_and_stop_sell_reach_the_channel_and_come_off_again(
    world: World,
) -> None:
    connection = await world.connect()
    plan = await world.map_double(connection)
    rules = world.container.connection_rules()
    org = world.organization.id
    channel = world.channel

    changed = rules.change(
        org,
        connection.id,
        RulesInput(price_modifier=PriceModifier.of_percent("15"), availability_cap=2),
    )
    assert changed.push_ids  # the whole horizon went out again, capped
    _set_rate(world, plan.id, "100.00")
    await _deliver(world)
    # Our calendar keeps 100.00 and 3 rooms; the channel holds the markup and the cap.
    assert channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)] == Money.of("115.00", "EUR")
    assert channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] == 2
    far = NIGHT + timedelta(days=200)
    assert channel.availability[(HOTEL, ROOM_DOUBLE, far)] == 2

    # A booking changes what is left; the channel is still sent at most the cap, then less.
    intake = world.container.intake()
    for external_id in ("R1", "R2"):
        world.clock.advance(timedelta(seconds=1))  # pushes go out in the order queued
        intake.apply(connection, booking(external_id, arrival=NIGHT, nights=1))
    await _deliver(world)
    assert channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] == 1

    world.clock.advance(timedelta(seconds=1))
    rules.change(org, connection.id, RulesInput(stop_sell=True))
    await _deliver(world)
    assert channel.restrictions[(HOTEL, ROOM_DOUBLE, None, NIGHT)]["stop_sell"] is True
    assert channel.restrictions[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, far)]["stop_sell"] is True
    # The markup is gone and the cap lifted with the new rules: our values again.
    assert channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)] == Money.of("100.00", "EUR")
    assert channel.availability[(HOTEL, ROOM_DOUBLE, far)] == world.double.count

    world.clock.advance(timedelta(seconds=1))
    rules.change(org, connection.id, RulesInput())
    await _deliver(world)
    assert channel.restrictions[(HOTEL, ROOM_DOUBLE, None, NIGHT)]["stop_sell"] is False
    assert channel.restrictions[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, far)]["stop_sell"] is False
    with world.container.uow_factory()() as uow:
        [stored] = [
            n for n in uow.calendar.window([world.double.id], NIGHT, NIGHT) if n.rate_plan_id
        ]
        assert stored.values.rate == Money.of("100.00", "EUR")
        assert stored.values.stop_sell is None  # our calendar was never touched


async def test_a_resync_and_the_drift_check_follow_the_rules(world: World) -> None:
    connection = await world.connect()
    plan = await world.map_double(connection)
    org = world.organization.id
    _set_rate(world, plan.id, "80.00", nights=2)
    world.clock.advance(timedelta(seconds=1))
    world.container.connection_rules().change(
        org, connection.id, RulesInput(price_modifier=PriceModifier.of_amount("5.00"))
    )
    await _deliver(world)
    world.channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)] = Money.of("80.00", "EUR")
    repair = world.container.repair()
    last = NIGHT + timedelta(days=1)
    drift = await repair.drift(org, connection.id, NIGHT, last)
    assert [(d.night, d.ours, d.theirs) for d in drift.differences] == [
        (NIGHT, "85.00 EUR", "80.00 EUR")
    ]
    repair.resync(org, connection.id, NIGHT, last)
    await _deliver(world)
    assert world.channel.rates[(HOTEL, ROOM_DOUBLE, RATE_STANDARD, NIGHT)].amount == Decimal(
        "85.00"
    )
    assert (await repair.drift(org, connection.id, NIGHT, last)).differences == ()


async def test_the_calendar_shows_what_each_channel_receives(world: World) -> None:
    connection = await world.connect()
    plan = await world.map_double(connection)
    org = world.organization.id
    world.container.connection_rules().change(
        org,
        connection.id,
        RulesInput(price_modifier=PriceModifier.of_percent("10"), availability_cap=1),
    )
    _set_rate(world, plan.id, "99.99")
    read = world.container.calendar().read(org, world.property.id, NIGHT, NIGHT)
    [double] = [u for u in read.units if u.unit_id == world.double.id]
    [unit_channel] = double.nights[0].channels
    assert double.nights[0].availability == world.double.count
    assert (unit_channel.availability, unit_channel.stop_sell) == (1, None)
    [rate_night] = double.rate_plans[0].nights
    [rate_channel] = rate_night.channels
    assert (rate_night.rate, rate_channel.rate) == ("99.99", "109.99")


async def test_rules_are_the_organisations_own(world: World) -> None:
    connection = await world.connect()
    rules = world.container.connection_rules()
    inventory = world.container.inventory()
    stranger = inventory.ensure_organization("Someone Else")
    with pytest.raises(NotFound):
        rules.show(stranger.id, connection.id)
    with pytest.raises(NotFound):
        rules.change(stranger.id, connection.id, RulesInput(stop_sell=True))
    assert rules.show(world.organization.id, connection.id).is_neutral


@pytest.fixture
def feeds() -> Iterator[FeedWorld]:
    made = feed_world()
    yield made
    made.container.unwire()


def test_an_ical_calendar_takes_no_markup_and_stop_sell_blocks_its_export(
    feeds: FeedWorld,
) -> None:
    made = feeds.connect()
    org = feeds.organization.id
    rules = feeds.container.connection_rules()
    token = made.export_url.removeprefix(PUBLIC_URL + "/ical/").removesuffix(".ics")

    def busy() -> list[tuple[date, date]]:
        return [(s, e) for _, s, e, _ in parse_ranges(feeds.feeds.export(token).body)]

    with pytest.raises(RatesNotCarried, match="no rates"):
        rules.change(
            org, made.connection.id, RulesInput(price_modifier=PriceModifier.of_percent("15"))
        )
    assert rules.show(org, made.connection.id).is_neutral  # nothing stored
    assert busy() == []
    for blocking in (RulesInput(stop_sell=True), RulesInput(availability_cap=0)):
        rules.change(org, made.connection.id, blocking)
        [(start, end)] = busy()
        assert start <= feeds.first
        assert (end - start).days == 730  # every night of the export
    rules.change(org, made.connection.id, RulesInput(availability_cap=1))
    assert busy() == []


async def test_a_newly_mapped_rooms_opening_calendar_follows_the_rules(world: World) -> None:
    connection = await world.connect()
    changed = world.container.connection_rules().change(
        world.organization.id, connection.id, RulesInput(availability_cap=1)
    )
    assert (changed.first_night, changed.push_ids) == (None, ())  # nothing mapped yet
    await world.map_double(connection)  # delivers the room's opening calendar
    assert world.channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT)] == 1
    assert world.channel.availability[(HOTEL, ROOM_DOUBLE, NIGHT + timedelta(days=100))] == 1
