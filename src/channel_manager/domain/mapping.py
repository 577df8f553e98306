"""Mappings between a channel's ids and ours, their validation, and name-based suggestions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

import attrs

from channel_manager.domain.channel import ExternalRatePlan, ExternalRoomType
from channel_manager.domain.errors import MappingConflict
from channel_manager.domain.inventory import RatePlan, Unit

_Key = TypeVar("_Key", bound=Hashable)


@attrs.frozen(kw_only=True)
class PropertyMapping:
    """Channel hotel <-> our property, per connection; unique (connection, external id)."""

    id: UUID
    connection_id: UUID
    internal_property_id: UUID
    external_property_id: str
    external_property_name: str | None = None
    sync_enabled: bool = True
    last_sync_at: datetime | None = None
    created_at: datetime


@attrs.frozen(kw_only=True)
class UnitMapping:
    """Channel room type <-> our unit, within one property mapping."""

    id: UUID
    property_mapping_id: UUID
    internal_unit_id: UUID
    external_room_type_id: str
    external_room_type_name: str | None = None
    created_at: datetime


@attrs.frozen(kw_only=True)
class RatePlanMapping:
    """Channel rate plan <-> our rate plan, within one property mapping."""

    id: UUID
    property_mapping_id: UUID
    internal_rate_plan_id: UUID
    external_rate_plan_id: str
    external_rate_plan_name: str | None = None
    created_at: datetime


def _first_duplicate(keys: Iterable[_Key]) -> _Key | None:
    """Return the first key that occurs a second time, or ``None``."""
    seen: set[_Key] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


def validate_property_mappings(mappings: Iterable[PropertyMapping]) -> None:
    """One channel hotel maps to one property, and a property to one hotel, per connection."""
    items = list(mappings)
    external = _first_duplicate((m.connection_id, m.external_property_id) for m in items)
    if external is not None:
        raise MappingConflict(f"external property {external[1]} is mapped more than once")
    internal = _first_duplicate((m.connection_id, m.internal_property_id) for m in items)
    if internal is not None:
        raise MappingConflict(f"property {internal[1]} is mapped to more than one external hotel")


def validate_unit_mappings(mappings: Iterable[UnitMapping]) -> None:
    """Within a property mapping: one external room type -> one unit, and no unit twice."""
    items = list(mappings)
    room_type = _first_duplicate((m.property_mapping_id, m.external_room_type_id) for m in items)
    if room_type is not None:
        raise MappingConflict(f"external room type {room_type[1]} is mapped to more than one unit")
    unit = _first_duplicate((m.property_mapping_id, m.internal_unit_id) for m in items)
    if unit is not None:
        raise MappingConflict(f"unit {unit[1]} is mapped to more than one external room type")


def validate_rate_plan_mappings(mappings: Iterable[RatePlanMapping]) -> None:
    """Within a property mapping: one external rate plan -> one rate plan, and no plan twice."""
    items = list(mappings)
    external = _first_duplicate((m.property_mapping_id, m.external_rate_plan_id) for m in items)
    if external is not None:
        raise MappingConflict(
            f"external rate plan {external[1]} is mapped to more than one rate plan"
        )
    internal = _first_duplicate((m.property_mapping_id, m.internal_rate_plan_id) for m in items)
    if internal is not None:
        raise MappingConflict(
            f"rate plan {internal[1]} is mapped to more than one external rate plan"
        )


def validate_mapping_set(
    property_mappings: Iterable[PropertyMapping],
    unit_mappings: Iterable[UnitMapping] = (),
    rate_plan_mappings: Iterable[RatePlanMapping] = (),
) -> None:
    """Validate a complete proposed mapping set; raise :class:`MappingConflict` naming ids.

    Unit and rate plan mappings must also belong to one of the given property mappings.
    """
    properties = list(property_mappings)
    units = list(unit_mappings)
    plans = list(rate_plan_mappings)
    validate_property_mappings(properties)
    validate_unit_mappings(units)
    validate_rate_plan_mappings(plans)
    known = {m.id for m in properties}
    for unit in units:
        if unit.property_mapping_id not in known:
            raise MappingConflict(
                f"unit mapping {unit.id} refers to unknown property mapping "
                f"{unit.property_mapping_id}"
            )
    for plan in plans:
        if plan.property_mapping_id not in known:
            raise MappingConflict(
                f"rate plan mapping {plan.id} refers to unknown property mapping "
                f"{plan.property_mapping_id}"
            )


@attrs.frozen
class MappingSuggestion:
    """A suggested pairing of an external id with one of ours; ``score`` is in [0, 1]."""

    external_id: str
    internal_id: UUID
    score: float


#: Words that say nothing about which room is meant; dropped before comparing names.
_FILLER_WORDS = frozenset({"room", "rooms", "the", "a", "with", "and", "de", "la", "le"})
#: Below this similarity a pairing is not worth suggesting.
_MIN_SCORE = 0.5


def normalise_name(name: str | None) -> str:
    """Case-fold, strip accents and punctuation, drop filler words, sort the words."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.sub(r"[^0-9a-z]+", " ", ascii_only.casefold()).split()
    return " ".join(sorted(word for word in words if word not in _FILLER_WORDS))


def name_similarity(left: str | None, right: str | None) -> float:
    """Similarity of two names in [0, 1] after :func:`normalise_name`."""
    a, b = normalise_name(left), normalise_name(right)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def _capacity_factor(external: int | None, internal: int) -> float:
    """Equal capacity confirms a match; a unit too small for the room type weakens it."""
    if external is None:
        return 1.0
    if external == internal:
        return 1.1
    if internal < external:
        return 0.8
    return 0.95


def _assign(candidates: list[MappingSuggestion]) -> tuple[MappingSuggestion, ...]:
    """Greedy one-to-one assignment, best score first (ties broken by id for determinism)."""
    taken_external: set[str] = set()
    taken_internal: set[UUID] = set()
    chosen: list[MappingSuggestion] = []
    for candidate in sorted(
        candidates, key=lambda c: (-c.score, c.external_id, str(c.internal_id))
    ):
        if candidate.external_id in taken_external or candidate.internal_id in taken_internal:
            continue
        taken_external.add(candidate.external_id)
        taken_internal.add(candidate.internal_id)
        chosen.append(candidate)
    return tuple(sorted(chosen, key=lambda c: c.external_id))


def suggest_unit_mappings(
    external_room_types: Sequence[ExternalRoomType], units: Sequence[Unit]
) -> tuple[MappingSuggestion, ...]:
    """Suggest room type -> unit pairs by name similarity and capacity, each used once."""
    candidates = []
    for room_type in external_room_types:
        for unit in units:
            similarity = name_similarity(room_type.name, unit.name)
            score = min(
                1.0, similarity * _capacity_factor(room_type.max_occupancy, unit.max_occupancy)
            )
            if score >= _MIN_SCORE:
                candidates.append(MappingSuggestion(room_type.code, unit.id, round(score, 4)))
    return _assign(candidates)


def suggest_rate_plan_mappings(
    external_rate_plans: Sequence[ExternalRatePlan], rate_plans: Sequence[RatePlan]
) -> tuple[MappingSuggestion, ...]:
    """Suggest external rate plan -> rate plan pairs by name or code, each used once."""
    candidates = []
    for external in external_rate_plans:
        for plan in rate_plans:
            score = max(
                name_similarity(external.name, plan.name),
                name_similarity(external.code, plan.code),
            )
            if score >= _MIN_SCORE:
                candidates.append(MappingSuggestion(external.code, plan.id, round(score, 4)))
    return _assign(candidates)
