"""The mapping screen: a room is offered only its hotel's property's units, columns appear where
they apply, syncing is never ticked for a person, and the rows left to map can be linked to."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

import lxml.html
import pytest
from litestar.testing import TestClient

from channel_manager.domain.ari import AvailRequest
from channel_manager.domain.channel import ExternalCatalog, ExternalProperty, ExternalRoomType
from channel_manager.domain.inventory import Unit
from tests.support.builders import booking
from tests.support.markup import elements, html_page, string
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import HOTEL_CODE, World, connect

LOFT_CODE = "7654321"


@pytest.fixture
def loft(world: World) -> Unit:
    """A second property of ours (its own unit), and a second channel hotel with one room
    type and no rate plans."""
    inventory = world.container.inventory()
    prop = inventory.create_property(world.organization_id, "Canal Loft Apartments", "EUR")
    world.channel.add_hotel(
        ExternalCatalog(
            property=ExternalProperty(LOFT_CODE, "Loft apartments by the canal", "EUR"),
            room_types=(ExternalRoomType("STU", "Studio", 2),),
            rate_plans=(),
        )
    )
    return inventory.create_unit(world.organization_id, prop.id, "Loft Studio", count=2)


@pytest.fixture
def connected(client: TestClient[Any], world: World, loft: Unit) -> str:
    connection_id = connect(world)
    sign_in(client, world.api_key)
    return str(connection_id)


def _hotel_section(html: str, code: str) -> Any:
    document = html_page(html)
    [section] = elements(
        document, f"//section[.//input[@value='{code}' and contains(@name, '-code')]]"
    )
    return section


def _options(select: Any) -> list[str]:
    return [str(option.get("value")) for option in elements(select, ".//option")]


def test_a_room_is_offered_only_the_units_of_its_hotels_property(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    html = client.get(f"/connections/{connected}/mapping").text

    harbour = _hotel_section(html, HOTEL_CODE)
    [double_room] = elements(harbour, ".//select[@name='hotel-0-room-0']")
    assert _options(double_room) == ["", str(world.double_unit_id), "new"]
    loft_hotel = _hotel_section(html, LOFT_CODE)
    [studio] = elements(loft_hotel, ".//select[@name='hotel-1-room-0']")
    assert _options(studio) == ["", str(loft.id), "new"]
    assert str(loft.id) not in lxml.html.tostring(harbour).decode()
    # What the script swaps in when another property is chosen, one template per property.
    assert f'<template data-unit-options="{world.property_id}">' in html
    assert f'<template data-unit-options="{loft.property_id}">' in html


def test_a_hotel_without_a_property_is_offered_no_units_only_a_new_one(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    page = client.get(f"/connections/{connected}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "_csrf_token": csrf_from(page.text),
        "hotel-0-property": "new",
        "hotel-0-room-0": str(world.double_unit_id),  # not a unit of a property just made
        "hotel-1-property": "",
    }

    again = client.post(f"/connections/{connected}/mapping", data=fields)

    assert again.status_code == 422
    [double_room] = elements(
        _hotel_section(again.text, HOTEL_CODE), ".//select[@name='hotel-0-room-0']"
    )
    assert _options(double_room) == ["", "new"]
    assert "Not saved" in again.text
    assert not re.search(
        r"[0-9a-f]{8}-[0-9a-f]{4}-", again.text.split('id="mapping-error"')[1][:400]
    )


def test_a_unit_of_another_property_is_refused_by_name(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    page = client.get(f"/connections/{connected}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "_csrf_token": csrf_from(page.text),
        "hotel-0-property": str(world.property_id),
        "hotel-0-room-0": str(loft.id),  # a tampered form: the page never offers it here
    }

    refused = client.post(f"/connections/{connected}/mapping", data=fields)

    assert refused.status_code == 422
    error = html_page(refused.text).get_element_by_id("mapping-error").text_content()
    assert "'Loft Studio' belongs to your property 'Canal Loft Apartments'" in error
    assert str(loft.id) not in error


def test_sync_is_not_ticked_for_a_hotel_not_mapped_yet(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    html = client.get(f"/connections/{connected}/mapping").text
    assert "checked" not in _checkbox(html, "hotel-0-sync")
    assert "checked" not in _checkbox(html, "hotel-1-sync")

    page = client.get(f"/connections/{connected}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "_csrf_token": csrf_from(page.text),
        "hotel-0-property": str(world.property_id),
        "hotel-0-sync": "on",
        "hotel-1-property": str(loft.property_id),
    }
    assert client.post(f"/connections/{connected}/mapping", data=fields).status_code == 200

    html = client.get(f"/connections/{connected}/mapping").text
    assert "checked" in _checkbox(html, "hotel-0-sync")  # as saved
    assert "checked" not in _checkbox(html, "hotel-1-sync")  # saved without syncing


def _checkbox(html: str, name: str) -> str:
    match = re.search(rf'<input type="checkbox" id="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_columns_appear_only_where_they_apply(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    html = client.get(f"/connections/{connected}/mapping").text

    harbour = _hotel_section(html, HOTEL_CODE)
    loft_hotel = _hotel_section(html, LOFT_CODE)
    assert [c.text_content() for c in elements(harbour, ".//caption")] == [
        "Room types",
        "Rate plans",
    ]
    # The loft has no rate plans at Booking.com: no rate plan table, no empty header row.
    assert [c.text_content() for c in elements(loft_hotel, ".//caption")] == ["Room types"]
    assert "Your rate plan" not in lxml.html.tostring(loft_hotel).decode()


def test_the_rows_left_to_map_have_anchors_and_the_card_links_to_them(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    connection = world.container.queries().connection(world.organization_id, UUID(connected))
    world.container.intake().apply(connection, booking("BK-1", hotel_code=HOTEL_CODE, room="DBL"))

    card = client.get("/integrations").text
    link = elements(html_page(card), "//dd[@data-figure='unmapped']//a")
    assert [a.get("href") for a in link] == [f"/connections/{connected}/mapping#to-map"]

    html = client.get(f"/connections/{connected}/mapping").text
    document = html_page(html)
    assert document.get_element_by_id("to-map") is not None
    targets = [a.get("href")[1:] for a in elements(document, "//*[@id='to-map']//a")]
    assert targets == [
        f"map-{HOTEL_CODE}",
        f"map-{HOTEL_CODE}-DBL",
        f"map-{HOTEL_CODE}-SUITE",
        f"map-{LOFT_CODE}",
        f"map-{LOFT_CODE}-STU",
    ]
    for target in targets:
        assert document.get_element_by_id(target) is not None, target
    assert document.get_element_by_id(f"map-{HOTEL_CODE}-DBL").tag == "tr"


def test_nothing_left_to_map_shows_no_list(
    client: TestClient[Any], world: World, connected: str
) -> None:
    page = client.get(f"/connections/{connected}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "_csrf_token": csrf_from(page.text),
        "hotel-0-property": str(world.property_id),
        "hotel-0-room-0": str(world.double_unit_id),
        "hotel-0-room-1": "new",
        "hotel-1-property": "new",
        "hotel-1-room-0": "new",
    }
    assert client.post(f"/connections/{connected}/mapping", data=fields).status_code == 200

    html = client.get(f"/connections/{connected}/mapping").text

    assert 'id="to-map"' not in html
    assert "0" in string(
        html_page(client.get("/integrations").text), "//dd[@data-figure='unmapped']"
    )


def test_saving_from_the_screen_sends_the_mapped_rooms_whole_calendar(
    client: TestClient[Any], world: World, loft: Unit, connected: str
) -> None:
    page = client.get(f"/connections/{connected}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "_csrf_token": csrf_from(page.text),
        "hotel-0-property": str(world.property_id),
        "hotel-0-sync": "on",
        "hotel-0-room-0": str(world.double_unit_id),
    }

    saved = client.post(f"/connections/{connected}/mapping", data=fields)

    assert "Mapping saved" in saved.text
    queued = world.container.dispatcher().list(world.organization_id)
    nights = {
        item.start + timedelta(days=n)
        for push in queued
        if isinstance(push.payload, AvailRequest)
        for item in push.payload.items
        for n in range((item.end - item.start).days + 1)
    }
    today = world.container.clock().now().date()
    assert min(nights) == today
    assert len(nights) == 365
    assert {push.hotel_code for push in queued} == {HOTEL_CODE}


NEW_YORK_CODE = "7777777"


@pytest.fixture
def new_york(client: TestClient[Any], world: World) -> str:
    """A second channel hotel selling in USD, named like our (EUR) property; connected and
    signed in: the connection's id."""
    world.channel.add_hotel(
        ExternalCatalog(
            property=ExternalProperty(NEW_YORK_CODE, "Harbour View Hotel", "USD"),
            room_types=(ExternalRoomType("LOFT", "New York Loft", 2),),
            rate_plans=(),
        )
    )
    connection_id = connect(world)
    sign_in(client, world.api_key)
    return str(connection_id)


def test_a_property_in_another_currency_is_never_suggested_and_cannot_be_chosen(
    client: TestClient[Any], world: World, new_york: str
) -> None:
    html = client.get(f"/connections/{new_york}/mapping").text

    [hotel] = elements(_hotel_section(html, NEW_YORK_CODE), ".//select[@name='hotel-1-property']")
    options = {str(o.get("value")): o for o in elements(hotel, ".//option")}
    ours = options[str(world.property_id)]
    assert ours.text_content() == "Harbour View Hotel (USD hotel, EUR property)"
    assert ours.get("disabled") is not None
    assert not [o for o in options.values() if o.get("selected") is not None and o.get("value")]
    assert options["new"].text_content() == "+ Create a new property in USD"
    assert "(suggested)" not in lxml.html.tostring(hotel).decode()
    [room] = elements(_hotel_section(html, NEW_YORK_CODE), ".//select[@name='hotel-1-room-0']")
    assert _options(room) == ["", "new"]  # no unit of the EUR property is offered
    # The EUR hotel is still suggested its EUR property.
    [harbour] = elements(_hotel_section(html, HOTEL_CODE), ".//select[@name='hotel-0-property']")
    [suggested] = elements(harbour, ".//option[@selected]")
    assert suggested.get("value") == str(world.property_id)
    assert suggested.get("disabled") is None


def test_saving_a_hotel_to_a_property_in_another_currency_shows_why_and_stores_nothing(
    client: TestClient[Any], world: World, new_york: str
) -> None:
    page = client.get(f"/connections/{new_york}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields |= {
        "_csrf_token": csrf_from(page.text),
        "hotel-1-property": str(world.property_id),  # a tampered form: the page disables it
        "hotel-1-room-0": "new",
    }

    refused = client.post(f"/connections/{new_york}/mapping", data=fields)

    assert refused.status_code == 422
    error = html_page(refused.text).get_element_by_id("mapping-error").text_content()
    assert error == (
        "Not saved: Booking.com hotel 'Harbour View Hotel' sells in USD; your property "
        "'Harbour View Hotel' keeps rates in EUR. Choose a property in USD or create one."
    )
    mapped = world.container.mappings().mapped(world.organization_id, UUID(new_york))
    assert mapped == []
    units = world.container.inventory().list_units(world.organization_id, world.property_id)
    assert [u.name for u in units] == ["Double Room"]
