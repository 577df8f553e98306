"""Mapping validation (conflicts name the ids) and name/capacity-based suggestions."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.channel import ExternalRatePlan, ExternalRoomType
from channel_manager.domain.errors import MappingConflict
from channel_manager.domain.inventory import RatePlan, Unit
from channel_manager.domain.mapping import (
    PropertyMapping,
    RatePlanMapping,
    UnitMapping,
    normalise_name,
    suggest_rate_plan_mappings,
    suggest_unit_mappings,
    validate_mapping_set,
)

NOW = datetime(2025, 2, 1, tzinfo=UTC)
CONNECTION = UUID(int=1)
PROPERTY = UUID(int=2)
PM = UUID(int=3)


def property_mapping(
    external: str = "H1", internal: UUID = PROPERTY, id: UUID = PM
) -> PropertyMapping:
    return PropertyMapping(
        id=id,
        connection_id=CONNECTION,
        internal_property_id=internal,
        external_property_id=external,
        created_at=NOW,
    )


def unit_mapping(n: int, unit: UUID, room_type: str, pm: UUID = PM) -> UnitMapping:
    return UnitMapping(
        id=UUID(int=100 + n),
        property_mapping_id=pm,
        internal_unit_id=unit,
        external_room_type_id=room_type,
        created_at=NOW,
    )


def rate_mapping(n: int, plan: UUID, external: str) -> RatePlanMapping:
    return RatePlanMapping(
        id=UUID(int=200 + n),
        property_mapping_id=PM,
        internal_rate_plan_id=plan,
        external_rate_plan_id=external,
        created_at=NOW,
    )


def unit(n: int, name: str, occupancy: int = 2) -> Unit:
    return Unit(id=UUID(int=n), property_id=PROPERTY, name=name, max_occupancy=occupancy)


def test_a_consistent_mapping_set_passes() -> None:
    validate_mapping_set(
        [property_mapping()],
        [unit_mapping(1, UUID(int=10), "R1"), unit_mapping(2, UUID(int=11), "R2")],
        [rate_mapping(1, UUID(int=20), "RP1")],
    )


def test_one_external_room_type_maps_to_one_unit() -> None:
    with pytest.raises(MappingConflict, match="room type R1"):
        validate_mapping_set(
            [property_mapping()],
            [unit_mapping(1, UUID(int=10), "R1"), unit_mapping(2, UUID(int=11), "R1")],
        )


def test_a_unit_is_mapped_once_per_property_mapping() -> None:
    unit_id = UUID(int=10)
    with pytest.raises(MappingConflict, match=str(unit_id)):
        validate_mapping_set(
            [property_mapping()], [unit_mapping(1, unit_id, "R1"), unit_mapping(2, unit_id, "R2")]
        )


def test_the_same_unit_may_serve_two_different_hotels() -> None:
    other_pm = UUID(int=4)
    validate_mapping_set(
        [property_mapping(), property_mapping("H2", UUID(int=5), other_pm)],
        [unit_mapping(1, UUID(int=10), "R1"), unit_mapping(2, UUID(int=10), "R1", other_pm)],
    )


def test_hotels_and_properties_map_one_to_one_per_connection() -> None:
    with pytest.raises(MappingConflict, match="external property H1"):
        validate_mapping_set(
            [property_mapping(), property_mapping(id=UUID(int=9), internal=UUID(int=8))]
        )
    with pytest.raises(MappingConflict, match=str(PROPERTY)):
        validate_mapping_set([property_mapping(), property_mapping("H2", id=UUID(int=9))])


def test_rate_plans_map_one_to_one() -> None:
    with pytest.raises(MappingConflict, match="rate plan RP1"):
        validate_mapping_set(
            [property_mapping()],
            rate_plan_mappings=[
                rate_mapping(1, UUID(int=20), "RP1"),
                rate_mapping(2, UUID(int=21), "RP1"),
            ],
        )


def test_unit_mappings_must_belong_to_a_given_property_mapping() -> None:
    with pytest.raises(MappingConflict, match=str(UUID(int=101))):
        validate_mapping_set([], [unit_mapping(1, UUID(int=10), "R1")])


def test_names_are_normalised_for_comparison() -> None:
    assert normalise_name("  Deluxe Double-Room (Sea View) ") == "deluxe double sea view"
    assert normalise_name("Chambre Supérieure") == normalise_name("chambre superieure")
    assert normalise_name("Double Deluxe") == normalise_name("Deluxe Double")


def test_suggestions_pair_similar_names_one_to_one() -> None:
    units = [unit(1, "Double"), unit(2, "Twin"), unit(3, "Family Suite", 4)]
    room_types = [
        ExternalRoomType("100", "Double Room", 2),
        ExternalRoomType("200", "Twin Room", 2),
        ExternalRoomType("300", "Suite Family", 4),
        ExternalRoomType("400", "Penthouse", 6),
    ]
    suggestions = suggest_unit_mappings(room_types, units)
    assert [(s.external_id, s.internal_id) for s in suggestions] == [
        ("100", UUID(int=1)),
        ("200", UUID(int=2)),
        ("300", UUID(int=3)),
    ]


def test_capacity_breaks_a_tie_between_equal_names() -> None:
    units = [unit(1, "Apartment", 2), unit(2, "Apartment", 4)]
    suggestions = suggest_unit_mappings([ExternalRoomType("A4", "Apartment", 4)], units)
    assert [(s.external_id, s.internal_id) for s in suggestions] == [("A4", UUID(int=2))]


def test_rate_plans_are_suggested_by_name_or_code() -> None:
    plans = [
        RatePlan(id=UUID(int=1), property_id=PROPERTY, name="Standard", code="STD"),
        RatePlan(id=UUID(int=2), property_id=PROPERTY, name="Non refundable", code="NR"),
    ]
    external = [ExternalRatePlan("5001", "Standard Rate"), ExternalRatePlan("NR", None)]
    suggestions = suggest_rate_plan_mappings(external, plans)
    assert {(s.external_id, s.internal_id) for s in suggestions} == {
        ("5001", UUID(int=1)),
        ("NR", UUID(int=2)),
    }


names = st.text(alphabet="abcdefgh -", max_size=12)


@given(st.lists(names, max_size=5), st.lists(names, max_size=5))
def test_suggestions_never_reuse_a_unit_or_room_type(
    external: list[str], internal: list[str]
) -> None:
    room_types = [ExternalRoomType(f"R{i}", name, None) for i, name in enumerate(external)]
    units = [unit(i + 1, name) for i, name in enumerate(internal)]
    suggestions = suggest_unit_mappings(room_types, units)
    assert len({s.external_id for s in suggestions}) == len(suggestions)
    assert len({s.internal_id for s in suggestions}) == len(suggestions)
    assert all(0.5 <= s.score <= 1 for s in suggestions)
