"""Contract: connections (and claiming due work), auth states, the three mapping tables."""

from __future__ import annotations

import threading
from datetime import timedelta
from uuid import uuid4

import attrs
import pytest

from channel_manager.domain.connection import AuthMode, AuthState, ConnectionStatus
from channel_manager.domain.errors import MappingConflict, NotFound
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping

from .repository_builders import at, new_connection, new_rate_plan, new_unit, seed


def test_connection_round_trip_list_and_update(uow_factory):
    seeded = seed(uow_factory)
    later = new_connection(seeded.organization.id, created_minute=30)
    active = later.activate("secret-ref-1", at(31), external_account_id="acct-9")
    with uow_factory() as uow:
        uow.connections.add(active)
        uow.commit()
    with uow_factory() as uow:
        assert uow.connections.get(active.id) == active
        assert uow.connections.list(seeded.organization.id) == [seeded.connection, active]
        assert uow.connections.list(seeded.organization.id, ConnectionStatus.ACTIVE) == [active]
        assert uow.connections.list(uuid4()) == []
        uow.connections.update(active.fail("token refresh failed"))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.connections.get(active.id)
        assert stored.status is ConnectionStatus.ERROR
        assert stored.error_reason == "token refresh failed"


def test_a_connection_keeps_since_when_its_polls_fail(uow_factory):
    seeded = seed(uow_factory)
    failing = seeded.connection.poll_failed(at(5), "403: access denied for hotel 1000003")
    with uow_factory() as uow:
        uow.connections.update(failing.poll_failed(at(6), "503: try later"))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.connections.get(seeded.connection.id)
        assert stored.poll_failing_since == at(5)
        assert stored.poll_error == "503: try later"
        uow.connections.update(stored.poll_succeeded())
        uow.commit()
    with uow_factory() as uow:
        assert uow.connections.get(seeded.connection.id) == seeded.connection


def test_find_by_external_account_finds_every_organisations_connection_oldest_first(uow_factory):
    seeded = seed(uow_factory)
    other = seed(uow_factory)
    later = new_connection(seeded.organization.id, 40).activate("r1", at(41), "1000009")
    earlier = new_connection(other.organization.id, 20).activate("r2", at(21), "1000009")
    elsewhere = new_connection(seeded.organization.id, 30).activate("r3", at(31), "1000010")
    with uow_factory() as uow:
        for connection in (later, earlier, elsewhere):
            uow.connections.add(connection)
        uow.commit()
    with uow_factory() as uow:
        assert uow.connections.find_by_external_account("1000009") == [earlier, later]
        assert uow.connections.find_by_external_account("1000010") == [elsewhere]
        assert uow.connections.find_by_external_account("404") == []


def test_due_for_poll_claims_only_due_active_connections_and_leases_them(uow_factory):
    seeded = seed(uow_factory)
    due = new_connection(seeded.organization.id, 1).activate("r1", at(0))
    not_yet = new_connection(seeded.organization.id, 2).activate("r2", at(10))
    revoked = new_connection(seeded.organization.id, 3).activate("r3", at(0)).revoke(at(1))
    with uow_factory() as uow:
        for connection in (due, not_yet, revoked):
            uow.connections.add(connection)
        uow.commit()
    with uow_factory() as uow:
        claimed = uow.connections.due_for_poll(at(5), limit=10)
        uow.commit()
    assert [c.id for c in claimed] == [due.id]
    assert claimed[0].next_poll_at > at(5)
    with uow_factory() as uow:
        assert uow.connections.get(due.id).next_poll_at == claimed[0].next_poll_at
        # Leased: not due again at the same moment, due again once the lease ran out.
        assert uow.connections.due_for_poll(at(5), limit=10) == []
        assert [c.id for c in uow.connections.due_for_poll(at(5) + timedelta(hours=1), 10)] == [
            due.id,
            not_yet.id,
        ]


def test_due_for_sync_respects_the_limit_oldest_due_first(uow_factory):
    seeded = seed(uow_factory)
    first = new_connection(seeded.organization.id, 1).activate("r1", at(1))
    second = new_connection(seeded.organization.id, 2).activate("r2", at(2))
    with uow_factory() as uow:
        uow.connections.add(second)
        uow.connections.add(first)
        uow.commit()
    with uow_factory() as uow:
        claimed = uow.connections.due_for_sync(at(10), limit=1)
        assert [c.id for c in claimed] == [first.id]
        assert claimed[0].next_poll_at == at(1)  # polling schedule untouched


def test_auth_states_are_found_by_state_and_consumed(uow_factory):
    seeded = seed(uow_factory)
    state = AuthState(
        state="s-123",
        organization_id=seeded.organization.id,
        auth_mode=AuthMode.OAUTH2,
        code_verifier="v" * 43,
        redirect_uri="http://localhost/cb",
        hotel_id="H1",
        created_at=at(0),
        expires_at=at(10),
        binding="b" * 64,
    )
    with uow_factory() as uow:
        uow.auth_states.add(state)
        uow.commit()
    with uow_factory() as uow:
        assert uow.auth_states.get("s-123") == state
        uow.auth_states.update(state.consume(at(1)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.auth_states.get("s-123").used_at == at(1)
        with pytest.raises(NotFound):
            uow.auth_states.get("unknown")


def test_open_flows_for_a_hotel_are_the_unused_unexpired_ones_of_that_mode(uow_factory):
    seeded = seed(uow_factory)

    def flow(name, *, mode=AuthMode.BOOKING_CONNECTIVITY, hotel="H1", start=0, used=None):
        return AuthState(
            state=name,
            organization_id=seeded.organization.id,
            auth_mode=mode,
            code_verifier="v" * 43,
            redirect_uri="http://localhost/cb",
            hotel_id=hotel,
            created_at=at(start),
            expires_at=at(start + 10),
            used_at=used,
        )

    flows = [
        flow("later", start=3),
        flow("open", start=1),
        flow("used", used=at(2)),
        flow("expired", start=-20),
        flow("other-hotel", hotel="H2"),
        flow("oauth", mode=AuthMode.OAUTH2),
    ]
    with uow_factory() as uow:
        for state in flows:
            uow.auth_states.add(state)
        uow.commit()
    with uow_factory() as uow:
        found = uow.auth_states.open_for_hotel(AuthMode.BOOKING_CONNECTIVITY, "H1", at(5))
        assert [state.state for state in found] == ["open", "later"]
        assert uow.auth_states.open_for_hotel(AuthMode.BOOKING_CONNECTIVITY, "H1", at(12)) == [
            flows[0]
        ]


def _property_mapping(seeded, external_id="H1", connection_id=None, minute=0):
    return PropertyMapping(
        id=uuid4(),
        connection_id=connection_id or seeded.connection.id,
        internal_property_id=seeded.property.id,
        external_property_id=external_id,
        external_property_name=f"Hotel {external_id}",
        created_at=at(minute),
    )


def test_property_mappings_find_list_update_remove(uow_factory):
    seeded = seed(uow_factory)
    other_connection = new_connection(seeded.organization.id, 5)
    h2 = _property_mapping(seeded, "H2")
    h1 = _property_mapping(seeded, "H1")
    h1_elsewhere = _property_mapping(seeded, "H1", other_connection.id, minute=5)
    with uow_factory() as uow:
        uow.connections.add(other_connection)
        for mapping in (h2, h1, h1_elsewhere):
            uow.property_mappings.add(mapping)
        uow.commit()
    with uow_factory() as uow:
        assert uow.property_mappings.list_by_connection(seeded.connection.id) == [h1, h2]
        assert uow.property_mappings.find(seeded.connection.id, "H2") == h2
        assert uow.property_mappings.find(seeded.connection.id, "H9") is None
        assert uow.property_mappings.find_by_hotel_code("H1") == [h1, h1_elsewhere]
        synced = attrs.evolve(h2, sync_enabled=False, last_sync_at=at(20))
        uow.property_mappings.update(synced)
        uow.property_mappings.remove(h1.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.property_mappings.get(h2.id) == synced
        assert uow.property_mappings.list_by_connection(seeded.connection.id) == [synced]
        with pytest.raises(NotFound):
            uow.property_mappings.get(h1.id)


def test_a_hotel_maps_once_per_connection(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        uow.property_mappings.add(_property_mapping(seeded, "H1"))
        with pytest.raises(MappingConflict):
            uow.property_mappings.add(_property_mapping(seeded, "H1"))


def test_unit_and_rate_plan_mappings(uow_factory):
    seeded = seed(uow_factory)
    pm = _property_mapping(seeded)
    second_unit = new_unit(seeded.property.id, "suite")
    second_plan = new_rate_plan(seeded.property.id, "NRF")
    rt2 = UnitMapping(
        id=uuid4(),
        property_mapping_id=pm.id,
        internal_unit_id=second_unit.id,
        external_room_type_id="RT2",
        external_room_type_name="Suite",
        created_at=at(1),
    )
    rt1 = attrs.evolve(
        rt2, id=uuid4(), internal_unit_id=seeded.unit.id, external_room_type_id="RT1"
    )
    rp = RatePlanMapping(
        id=uuid4(),
        property_mapping_id=pm.id,
        internal_rate_plan_id=second_plan.id,
        external_rate_plan_id="NRF",
        external_rate_plan_name="Non-refundable",
        created_at=at(1),
    )
    with uow_factory() as uow:
        uow.units.add(second_unit)
        uow.rate_plans.add(second_plan)
        uow.property_mappings.add(pm)
        uow.unit_mappings.add(rt2)
        uow.unit_mappings.add(rt1)
        uow.rate_plan_mappings.add(rp)
        uow.commit()
    with uow_factory() as uow:
        assert uow.unit_mappings.list_by_property_mapping(pm.id) == [rt1, rt2]
        assert uow.unit_mappings.find(pm.id, "RT2") == rt2
        assert uow.unit_mappings.find(pm.id, "RT9") is None
        assert uow.rate_plan_mappings.list_by_property_mapping(pm.id) == [rp]
        assert uow.rate_plan_mappings.find(pm.id, "NRF") == rp
        with pytest.raises(MappingConflict):
            uow.unit_mappings.add(attrs.evolve(rt1, id=uuid4()))
        with pytest.raises(MappingConflict):
            uow.rate_plan_mappings.add(attrs.evolve(rp, id=uuid4()))
    with uow_factory() as uow:
        uow.unit_mappings.remove(rt1.id)
        uow.rate_plan_mappings.remove(rp.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.unit_mappings.list_by_property_mapping(pm.id) == [rt2]
        assert uow.rate_plan_mappings.list_by_property_mapping(pm.id) == []


def test_a_row_read_for_update_is_not_overwritten_by_a_stale_copy(uow_factory):
    """The lost update the R5 proof ran into under load: the worker read an active
    connection, a disconnect committed ``revoked``, the worker wrote its stale copy back with
    new poll times, and the revoked connection read active again. Read for update, the
    disconnect waits for the worker's transaction and its ``revoked`` is what remains."""
    seeded = seed(uow_factory, active=True)
    worker_read = threading.Event()
    disconnected: list[bool] = []

    def disconnect() -> None:
        worker_read.wait(timeout=10)
        with uow_factory() as uow:
            current = uow.connections.get(seeded.connection.id)
            uow.connections.update(current.revoke(at(5)))
            uow.commit()
        disconnected.append(True)

    thread = threading.Thread(target=disconnect)
    thread.start()
    with uow_factory() as uow:
        current = uow.connections.get_for_update(seeded.connection.id)
        worker_read.set()
        thread.join(timeout=0.5)  # the disconnect runs into the locked row
        assert current.is_active
        uow.connections.update(current.schedule(next_poll_at=at(6)))
        uow.commit()
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert disconnected == [True]
    with uow_factory() as uow:
        assert uow.connections.get(seeded.connection.id).status is ConnectionStatus.REVOKED
        with pytest.raises(NotFound):
            uow.connections.get_for_update(uuid4())
