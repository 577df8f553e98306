"""Contract: hotel claims. One holder per (channel, hotel), refused by the store itself, also
between two units of work claiming at the same moment; released with the connection.
"""

from __future__ import annotations

import threading
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import create_database_engine, upgrade
from channel_manager.domain.connection import Connection, HotelClaim
from channel_manager.domain.errors import HotelAlreadyHeld

from .repository_builders import at, new_connection, new_organization, seed


def _claim(connection: Connection, hotel: str, minute: int = 0) -> HotelClaim:
    return HotelClaim(
        channel="booking",
        external_property_id=hotel,
        organization_id=connection.organization_id,
        connection_id=connection.id,
        claimed_at=at(minute),
    )


def _rival(uow_factory) -> Connection:
    """A connection of a second organisation, committed."""
    other = new_organization("rival")
    connection = new_connection(other.id, created_minute=5)
    with uow_factory() as uow:
        uow.organizations.add(other)
        uow.connections.add(connection)
        uow.commit()
    return connection


def test_a_claim_round_trips_and_is_released_with_its_connection(uow_factory):
    seeded = seed(uow_factory)
    mine = seeded.connection
    with uow_factory() as uow:
        uow.hotel_claims.add(_claim(mine, "1000002"))
        uow.hotel_claims.add(_claim(mine, "1000001"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.hotel_claims.find("booking", "1000001") == _claim(mine, "1000001")
        assert uow.hotel_claims.find("booking", "1000009") is None
        assert uow.hotel_claims.find("airbnb", "1000001") is None  # per channel
        held = uow.hotel_claims.list_by_connection(mine.id)
        assert [c.external_property_id for c in held] == ["1000001", "1000002"]
        uow.hotel_claims.release("booking", "1000002")
        uow.commit()
    with uow_factory() as uow:
        assert [c.external_property_id for c in uow.hotel_claims.list_by_connection(mine.id)] == [
            "1000001"
        ]
        assert uow.hotel_claims.release_connection(mine.id) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.hotel_claims.list_by_connection(mine.id) == []
        assert uow.hotel_claims.release_connection(mine.id) == 0


def test_a_held_hotel_cannot_be_claimed_by_another_organisation(uow_factory):
    seeded = seed(uow_factory)
    rival = _rival(uow_factory)
    with uow_factory() as uow:
        uow.hotel_claims.add(_claim(seeded.connection, "1000001"))
        uow.commit()

    with uow_factory() as uow, pytest.raises(HotelAlreadyHeld) as refused:
        uow.hotel_claims.add(_claim(rival, "1000001"))
    assert not refused.value.same_organization
    assert "another organisation" in str(refused.value)
    assert "move-hotel" in str(refused.value)
    with uow_factory() as uow:
        assert uow.hotel_claims.find("booking", "1000001") == _claim(seeded.connection, "1000001")


def test_a_second_connection_of_the_same_organisation_is_refused_too(uow_factory):
    seeded = seed(uow_factory)
    second = new_connection(seeded.organization.id, created_minute=9)
    with uow_factory() as uow:
        uow.connections.add(second)
        uow.hotel_claims.add(_claim(seeded.connection, "1000001"))
        uow.commit()

    with uow_factory() as uow, pytest.raises(HotelAlreadyHeld) as refused:
        uow.hotel_claims.add(_claim(second, "1000001"))
    assert refused.value.same_organization
    assert str(seeded.connection.id) in str(refused.value)


def test_a_released_hotel_can_be_claimed_again(uow_factory):
    seeded = seed(uow_factory)
    rival = _rival(uow_factory)
    with uow_factory() as uow:
        uow.hotel_claims.add(_claim(seeded.connection, "1000001"))
        uow.commit()
    with uow_factory() as uow:
        uow.hotel_claims.release_connection(seeded.connection.id)
        uow.hotel_claims.add(_claim(rival, "1000001", minute=7))
        uow.commit()
    with uow_factory() as uow:
        assert uow.hotel_claims.find("booking", "1000001") == _claim(rival, "1000001", minute=7)


def test_two_units_of_work_claiming_at_once_leave_one_holder(uow_factory):
    """The race the database settles: the second claimer waits for the first to commit and
    never also holds the hotel."""
    seeded = seed(uow_factory)
    rival = _rival(uow_factory)
    first_added = threading.Event()
    outcome: list[object] = []

    def second_claimer() -> None:
        first_added.wait(timeout=10)
        try:
            with uow_factory() as uow:
                uow.hotel_claims.add(_claim(rival, "1000001"))
                uow.commit()
            outcome.append("claimed")
        except HotelAlreadyHeld as error:
            outcome.append(error)

    thread = threading.Thread(target=second_claimer)
    thread.start()
    with uow_factory() as uow:
        uow.hotel_claims.add(_claim(seeded.connection, "1000001"))
        first_added.set()
        thread.join(timeout=0.5)  # the second claimer runs into the uncommitted claim
        uow.commit()
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], HotelAlreadyHeld), outcome
    with uow_factory() as uow:
        assert uow.hotel_claims.find("booking", "1000001") == _claim(seeded.connection, "1000001")


def test_upgrading_sqlite_gives_existing_connections_their_claims(tmp_path: Path) -> None:
    _upgrade_with_a_taken_over_hotel(f"sqlite:///{tmp_path / 'before-claims.db'}")


@pytest.mark.postgres
def test_upgrading_postgres_gives_existing_connections_their_claims(
    postgres_server_url, make_postgres_database
):
    with make_postgres_database(postgres_server_url) as url:
        _upgrade_with_a_taken_over_hotel(url)


def _upgrade_with_a_taken_over_hotel(url: str) -> None:
    """Before claims, two organisations could both hold a hotel (the takeover). The upgrade
    leaves the oldest live one holding it and puts the later one in error with the way out."""
    upgrade(url, "0002")
    victim_org, attacker_org = new_organization("victim"), new_organization("attacker")
    engine = create_database_engine(url)
    rows = [
        ("victim", victim_org, "booking-connectivity", "active", "1000001", 0),
        ("attacker", attacker_org, "booking-connectivity", "active", "1000001", 30),
        ("gone", attacker_org, "booking-connectivity", "revoked", "1000002", 40),
        ("oauth", attacker_org, "oauth2", "active", "acct-1", 50),
    ]
    ids = {}
    try:
        with engine.begin() as db:
            for org in (victim_org, attacker_org):
                db.execute(
                    sa.text("INSERT INTO organizations (id, name) VALUES (:id, :name)"),
                    {"id": org.id.hex, "name": org.name},
                )
            for name, org, mode, status, account, minute in rows:
                connection = new_connection(org.id, created_minute=minute)
                ids[name] = connection.id
                db.execute(
                    sa.text(
                        "INSERT INTO integration_connections (id, organization_id, channel, "
                        "auth_mode, status, external_account_id, created_at, next_poll_at) "
                        "VALUES (:id, :org, 'booking', :mode, :status, :account, :at, :at)"
                    ),
                    {
                        "id": connection.id.hex,
                        "org": org.id.hex,
                        "mode": mode,
                        "status": status,
                        "account": account,
                        "at": at(minute).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    },
                )
        upgrade(url)
        with engine.connect() as db:
            claims = db.execute(
                sa.text("SELECT external_property_id, connection_id FROM hotel_claims")
            ).all()
            found = db.execute(
                sa.text("SELECT id, status, error_reason FROM integration_connections")
            ).all()
    finally:
        engine.dispose()

    assert [(hotel, UUID(str(holder))) for hotel, holder in claims] == [("1000001", ids["victim"])]
    statuses = {UUID(str(row[0])).hex: row[1] for row in found}
    reason = next(row[2] for row in found if UUID(str(row[0])) == ids["attacker"])
    assert statuses[ids["attacker"].hex] == "error"
    assert statuses[ids["victim"].hex] == "active"
    assert statuses[ids["oauth"].hex] == "active"
    assert "move-hotel" in reason
