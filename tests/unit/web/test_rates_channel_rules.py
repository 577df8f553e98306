"""The rates page shows, next to our values, what a channel receives when its rules (issue
18) change them: the marked-up rate, the capped count, stop-sell."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar.testing import TestClient

from channel_manager.application.connection_rules import RulesInput
from channel_manager.domain.pricing import PriceModifier
from tests.support.markup import elements
from tests.unit.web.test_rates_calendar import (
    HARBOUR,
    Grid,
    _change,
    _page,
    _plan_id,
    _today,
    connected,
)
from tests.unit.web.test_rates_form import _post
from tests.unit.web.test_rates_form import connected as rates_connected
from tests.unit.web.world import World

__all__ = ["connected", "rates_connected"]  # the fixtures, used by name


def test_the_grid_shows_what_the_channel_receives(
    client: TestClient[Any], world: World, connected: str
) -> None:
    night = _today(world) + timedelta(days=30)
    world.container.connection_rules().change(
        world.organization_id,
        UUID(connected),
        RulesInput(price_modifier=PriceModifier.of_percent("15"), availability_cap=2),
    )
    _change(
        client,
        world,
        rate_plan_id=str(_plan_id(world)),
        **{"from": str(night), "to": str(night)},
        rate="100.00",
    )
    grid = _page(client, f"connection_id={connected}&month={night:%Y-%m}")
    rate = grid.cell("Double Room · Standard Rate", night)
    assert Grid.text(rate).startswith("100.00")
    [receives] = elements(rate, ".//*[@data-receives]")
    assert Grid.text(receives) == "→ 115.00"
    assert Grid.marks(rate) == [f"{HARBOUR}: queued, receives 115.00"]
    rooms = grid.cell("Double Room", night)
    [capped] = elements(rooms, ".//*[@data-receives]")
    assert Grid.text(capped) == "→ 2 left"  # 4 rooms left to sell, at most 2 on this channel

    world.container.connection_rules().change(
        world.organization_id, UUID(connected), RulesInput(stop_sell=True)
    )
    grid = _page(client, f"connection_id={connected}&month={night:%Y-%m}")
    rate = grid.cell("Double Room · Standard Rate", night)
    assert Grid.text(elements(rate, ".//*[@data-receives]")[0]) == "→ stop sell"
    world.container.connection_rules().change(world.organization_id, UUID(connected), RulesInput())
    grid = _page(client, f"connection_id={connected}&month={night:%Y-%m}")
    assert elements(grid.cell("Double Room · Standard Rate", night), ".//*[@data-receives]") == []


def test_the_forms_preview_shows_what_the_channel_will_be_sent(
    client: TestClient[Any], world: World, rates_connected: str
) -> None:
    world.container.connection_rules().change(
        world.organization_id,
        UUID(rates_connected),
        RulesInput(price_modifier=PriceModifier.of_amount("5.00"), availability_cap=2),
    )
    previewed = _post(client, rates_connected, "preview", rate="120.00", availability="7")
    assert previewed.status_code == 200, previewed.text
    shown = html.unescape(previewed.text)
    assert 'AmountAfterTax="12500"' in shown  # 125.00: our 120.00 and the connection's +5.00
    assert 'BookingLimit="2"' in shown  # at most the cap
