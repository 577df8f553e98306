"""What our inventory takes: a property needs a name, an ISO 4217 currency and an IANA time
zone; a unit a name. Found by a reviewer: ``Mars/Base``, ``XYZ``, an empty and a 100,000
character name were all stored, and the calendar then ran on UTC and XYZ."""

from __future__ import annotations

import pytest

from channel_manager.application.inventory import MAX_NAME_LENGTH
from channel_manager.domain.errors import InvalidValue
from tests.unit.application.conftest import World


@pytest.mark.parametrize(
    ("name", "currency", "timezone", "message"),
    [
        ("Canal Loft", "XYZ", "Europe/Amsterdam", "not an ISO 4217 code"),
        ("Canal Loft", "eur", "Europe/Amsterdam", "not an ISO 4217 code"),
        ("Canal Loft", "EUR", "Mars/Base", "not an IANA time zone"),
        ("Canal Loft", "EUR", "../../etc/passwd", "not an IANA time zone"),
        ("Canal Loft", "EUR", "America", "not an IANA time zone"),  # a folder (fuzz, a 500)
        ("Canal Loft", "EUR", "x" * 300, "not an IANA time zone"),
        ("   ", "EUR", "UTC", "needs a name"),
        ("x" * (MAX_NAME_LENGTH + 1), "EUR", "UTC", f"at most {MAX_NAME_LENGTH} characters"),
    ],
)
def test_a_property_with_a_bad_value_is_refused_and_not_stored(
    world: World, name: str, currency: str, timezone: str, message: str
) -> None:
    inventory = world.container.inventory()
    before = inventory.list_properties(world.organization.id)

    with pytest.raises(InvalidValue, match=message):
        inventory.create_property(world.organization.id, name, currency, timezone)

    assert inventory.list_properties(world.organization.id) == before


def test_good_values_are_stored_trimmed(world: World) -> None:
    inventory = world.container.inventory()

    created = inventory.create_property(
        world.organization.id, "  Tokyo Bay Rooms ", "JPY", "Asia/Tokyo"
    )
    unit = inventory.create_unit(world.organization.id, created.id, " Twin ", count=2)

    assert (created.name, created.currency, created.timezone) == (
        "Tokyo Bay Rooms",
        "JPY",
        "Asia/Tokyo",
    )
    assert unit.name == "Twin"


def test_a_unit_needs_a_name(world: World) -> None:
    inventory = world.container.inventory()

    with pytest.raises(InvalidValue, match="a unit needs a name"):
        inventory.create_unit(world.organization.id, world.property.id, "")
