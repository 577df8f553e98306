"""Contract: organisations, properties, units, rate plans, API keys and the unit of work."""

from __future__ import annotations

from uuid import uuid4

import attrs
import pytest

from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.errors import NotFound
from channel_manager.domain.pricing import PriceModifier
from channel_manager.ports.errors import DuplicateRecord

from .repository_builders import (
    at,
    new_organization,
    new_property,
    new_rate_plan,
    new_unit,
    seed,
)


def test_organizations_round_trip_and_list_by_name(uow_factory):
    zeta, alpha = new_organization("zeta"), new_organization("alpha")
    with uow_factory() as uow:
        uow.organizations.add(zeta)
        uow.organizations.add(alpha)
        uow.commit()
    with uow_factory() as uow:
        assert uow.organizations.get(zeta.id) == zeta
        assert uow.organizations.list() == [alpha, zeta]
        with pytest.raises(NotFound):
            uow.organizations.get(uuid4())


def test_adding_an_existing_id_is_a_duplicate(uow_factory):
    organization = new_organization()
    with uow_factory() as uow:
        uow.organizations.add(organization)
        with pytest.raises(DuplicateRecord):
            uow.organizations.add(organization)


def test_nothing_is_written_without_commit(uow_factory):
    organization = new_organization()
    with uow_factory() as uow:
        uow.organizations.add(organization)
    with uow_factory() as uow:
        assert uow.organizations.list() == []


def test_rollback_discards_and_commit_keeps(uow_factory):
    kept, dropped = new_organization("kept"), new_organization("dropped")
    with uow_factory() as uow:
        uow.organizations.add(kept)
        uow.commit()
        uow.organizations.add(dropped)
        uow.rollback()
        assert uow.organizations.list() == [kept]


class _AbortError(Exception):
    """Raised inside a unit of work to leave it by an exception."""


def _add_then_fail(uow_factory, organization):
    with uow_factory() as uow:
        uow.organizations.add(organization)
        raise _AbortError


def test_an_exception_in_the_block_rolls_back(uow_factory):
    organization = new_organization()
    with pytest.raises(_AbortError):
        _add_then_fail(uow_factory, organization)
    with uow_factory() as uow:
        assert uow.organizations.list() == []


def test_properties_units_and_rate_plans(uow_factory):
    seeded = seed(uow_factory)
    other_org = new_organization("other")
    second = new_property(seeded.organization.id, name="alpine")
    extra_unit = new_unit(seeded.property.id, name="attic")
    with uow_factory() as uow:
        uow.organizations.add(other_org)
        uow.properties.add(second)
        uow.properties.add(new_property(other_org.id, name="not mine"))
        uow.units.add(extra_unit)
        uow.commit()
    renamed = attrs.evolve(seeded.property, name="seaside deluxe")
    resized = attrs.evolve(seeded.unit, count=5)
    with uow_factory() as uow:
        uow.properties.update(renamed)
        uow.units.update(resized)
        uow.commit()
    with uow_factory() as uow:
        assert uow.properties.list(seeded.organization.id) == [second, renamed]
        assert uow.units.list_by_property(seeded.property.id) == [extra_unit, resized]
        assert uow.units.get(seeded.unit.id).count == 5
        assert uow.rate_plans.list_by_property(seeded.property.id) == [seeded.rate_plan]
        assert uow.rate_plans.get(seeded.rate_plan.id) == seeded.rate_plan
        with pytest.raises(NotFound):
            uow.properties.update(new_property(seeded.organization.id))


def test_rate_plan_codes_are_unique_per_property(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow, pytest.raises(DuplicateRecord):
        uow.rate_plans.add(new_rate_plan(seeded.property.id, code=seeded.rate_plan.code))


def test_derived_rate_plans_round_trip_and_update(uow_factory):
    seeded = seed(uow_factory)
    derived = attrs.evolve(
        new_rate_plan(seeded.property.id, code="NR"),
        parent_rate_plan_id=seeded.rate_plan.id,
        modifier=PriceModifier.of_percent("-12.5"),
        inherit_restrictions=False,
    )
    with uow_factory() as uow:
        uow.rate_plans.add(derived)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.rate_plans.get(derived.id)
        assert stored == derived
        assert stored.modifier is not None
        assert stored.modifier.describe() == "-12.5%"  # not the column's -12.5000
        assert uow.rate_plans.get(seeded.rate_plan.id).modifier is None
        assert uow.rate_plans.get(seeded.rate_plan.id).inherit_restrictions is True
    changed = attrs.evolve(
        derived,
        name="renamed",
        modifier=PriceModifier.of_amount("-1234567.8901"),
        inherit_restrictions=True,
    )
    with uow_factory() as uow:
        uow.rate_plans.update(changed)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.rate_plans.get(derived.id)
        assert stored == changed
        assert stored.modifier is not None
        assert str(stored.modifier.amount) == "-1234567.8901"
        assert stored.modifier.percent is None
        assert [p.id for p in uow.rate_plans.list_by_property(seeded.property.id)] == [
            seeded.rate_plan.id,
            derived.id,
        ]
        with pytest.raises(NotFound):
            uow.rate_plans.update(new_rate_plan(seeded.property.id, code="GONE"))


def test_api_keys_by_hash_list_and_revoke(uow_factory):
    seeded = seed(uow_factory)
    first = ApiKey(
        id=uuid4(),
        organization_id=seeded.organization.id,
        name="ci",
        prefix="cm_ab",
        key_hash="h" * 64,
        created_at=at(0),
    )
    second = attrs.evolve(first, id=uuid4(), name="ops", key_hash="g" * 64, created_at=at(5))
    with uow_factory() as uow:
        uow.api_keys.add(second)
        uow.api_keys.add(first)
        uow.commit()
    with uow_factory() as uow:
        assert uow.api_keys.get_by_hash("h" * 64) == first
        assert uow.api_keys.get_by_hash("nope") is None
        assert uow.api_keys.list(seeded.organization.id) == [first, second]
        uow.api_keys.update(first.revoke(at(10)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.api_keys.get(first.id).revoked_at == at(10)
        with pytest.raises(DuplicateRecord):
            uow.api_keys.add(attrs.evolve(first, id=uuid4()))


def test_recording_a_keys_use_touches_nothing_else_and_never_goes_back(uow_factory):
    seeded = seed(uow_factory)
    key = ApiKey(
        id=uuid4(),
        organization_id=seeded.organization.id,
        name="ci",
        prefix="cm_ab",
        key_hash="h" * 64,
        created_at=at(0),
    )
    with uow_factory() as uow:
        uow.api_keys.add(key)
        uow.commit()
    with uow_factory() as uow:
        # A revocation committed after the key was read for a request is not undone.
        uow.api_keys.update(key.revoke(at(3)))
        uow.api_keys.record_use(key.id, at(5))
        uow.commit()
    with uow_factory() as uow:
        uow.api_keys.record_use(key.id, at(4))  # an older use, recorded late
        uow.commit()
    with uow_factory() as uow:
        stored = uow.api_keys.get(key.id)
        assert stored.revoked_at == at(3)
        assert stored.last_used_at == at(5)
        assert stored == attrs.evolve(key, revoked_at=at(3), last_used_at=at(5))
