"""``reservations list|show``, ``api-keys list`` and ``mappings show``: what an admin asks the
command line for, with secrets and card data never printed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import attrs
import pytest

from channel_manager.container import Container
from channel_manager.domain.reservation import (
    FlagCode,
    PaymentSummary,
    Reservation,
    ReservationFlag,
    ReservationStatus,
)
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.support.builders import booking
from tests.support.clock import next_year
from tests.unit.cli.conftest import Invoke, World, one_error_line

CARD = "4111111111111111"


def _store(container: Container, world: World, external_id: str, **changes: Any) -> Reservation:
    """A reservation of the world's connection, mapped to its property and unit."""
    made = booking(external_id).reservation
    (plan,) = container.inventory().list_rate_plans(world.organization.id, world.property.id)
    stay = attrs.evolve(
        made.room_stays[0],
        external_room_type_id="R1",
        external_room_type_name="Double",
        external_rate_plan_id="BAR",
        unit_id=world.unit.id,
        rate_plan_id=plan.id,
        meal_plan="Breakfast included",
    )
    reservation = attrs.evolve(
        made,
        connection_id=world.connection.id,
        external_property_id="H1",
        property_id=world.property.id,
        room_stays=(stay,),
        payment=PaymentSummary.from_card(CARD, "VI", "12/29", "Zoë Søren"),
    )
    reservation = attrs.evolve(reservation, **changes)
    with container.uow_factory()() as uow:
        uow.reservations.add(reservation)
        uow.commit()
    return reservation


@pytest.fixture
def stored(container: Container, world: World) -> list[Reservation]:
    early = _store(container, world, "4000000001")
    late = _store(
        container,
        world,
        "4000000002",
        arrival=next_year(3, 20),
        departure=next_year(3, 22),
        room_stays=(),
        status=ReservationStatus.CANCELLED,
    )
    flagged = _store(
        container,
        world,
        "4000000003",
        arrival=next_year(3, 12),
        departure=next_year(3, 14),
        room_stays=(
            attrs.evolve(
                early.room_stays[0],
                arrival=next_year(3, 12),
                departure=next_year(3, 14),
                nightly_prices=tuple(
                    attrs.evolve(price, night=price.night + timedelta(days=2))
                    for price in early.room_stays[0].nightly_prices
                ),
            ),
        ),
        flags=(
            ReservationFlag(
                code=FlagCode.PRICE_MISMATCH,
                message="the nights add up to 200.00 EUR, the total says 210.00 EUR",
                figures=(("nights", "200.00 EUR"), ("total", "210.00 EUR")),
            ),
        ),
    )
    return [early, late, flagged]


def test_reservations_list_shows_a_table_by_arrival(
    invoke: Invoke, stored: list[Reservation]
) -> None:
    result = invoke("reservations", "list")

    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "4000000" in line]
    assert [next(w for w in row.split() if w.startswith("4000000")) for row in rows] == [
        "4000000001",
        "4000000003",
        "4000000002",
    ]
    assert "acme" in rows[0]
    assert "Zoë Søren" in rows[0]
    assert "200.00 EUR" in rows[0]
    assert "price_mismatch" in rows[1]
    assert "cancelled" in rows[2]


def test_reservations_list_filters_and_prints_json(
    invoke: Invoke, world: World, stored: list[Reservation]
) -> None:
    day = next_year(3, 10)

    cancelled = invoke("reservations", "list", "--status", "cancelled", "--json")
    window = invoke(
        "reservations",
        "list",
        "--organization",
        "acme",
        "--connection",
        str(world.connection.id),
        "--arrival-from",
        str(day + timedelta(days=1)),
        "--arrival-to",
        str(day + timedelta(days=30)),
        "--json",
    )
    first = invoke("reservations", "list", "--limit", "1", "--json")

    assert cancelled.exit_code == window.exit_code == first.exit_code == 0, cancelled.output
    (row,) = json.loads(cancelled.stdout)
    assert row["external_id"] == "4000000002"
    assert row["status"] == "cancelled"
    assert row["organization"] == "acme"
    assert row["connection_id"] == str(world.connection.id)
    assert [r["external_id"] for r in json.loads(window.stdout)] == ["4000000003", "4000000002"]
    (only,) = json.loads(first.stdout)
    assert only["total"] == {"amount": "200.00", "currency": "EUR"}  # as stored, not rounded
    assert only["nights"] == 2
    assert only["guest"] == "Zoë Søren"


def test_reservations_list_refuses_bad_filters_in_one_line(
    invoke: Invoke, world: World, stored: list[Reservation]
) -> None:
    backwards = invoke(
        "reservations", "list", "--arrival-from", "2030-02-01", "--arrival-to", "2030-01-01"
    )
    nobody = invoke("reservations", "list", "--organization", "nobody")
    stranger = invoke(
        "reservations", "list", "--organization", "acme", "--connection", str(uuid4())
    )
    empty = invoke("reservations", "list", "--status", "modified")

    assert backwards.exit_code == ExitCode.USAGE
    assert "--arrival-to" in one_error_line(backwards)
    assert nobody.exit_code == stranger.exit_code == ExitCode.NOT_FOUND
    assert "nobody" in one_error_line(nobody)
    assert empty.exit_code == 0
    assert empty.stdout == ""
    assert "no reservations" in empty.stderr


def test_reservations_show_prints_the_card_with_card_data_masked(
    invoke: Invoke, stored: list[Reservation]
) -> None:
    by_id = invoke("reservations", "show", str(stored[2].id))
    by_number = invoke("reservations", "show", "4000000003")

    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout == by_number.stdout
    text = by_id.stdout
    assert "reservation 4000000003" in text
    assert "H1 -> Seaside" in text
    assert "Zoë Søren" in text
    assert "zoe@example.org" in text
    assert "room 1: Double (R1) -> Double" in text
    assert "rate plan BAR -> Best available" in text
    assert f"{next_year(3, 12)}  100.00 EUR" in text
    assert "Breakfast included" in text
    assert "VI **** 1111, expires 12/29" in text
    assert "FLAG price_mismatch" in text
    assert "total: 210.00 EUR" in text
    assert CARD not in text


def test_reservations_show_json_holds_everything_but_the_card(
    invoke: Invoke, stored: list[Reservation]
) -> None:
    result = invoke("reservations", "show", "4000000001", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == str(stored[0].id)
    assert data["organization"] == "acme"
    assert data["payment"]["last_four"] == "1111"
    assert data["room_stays"][0]["nightly_prices"][0]["amount"] == {
        "amount": "100.00",
        "currency": "EUR",
    }
    assert CARD not in result.stdout


def test_reservations_show_of_an_unknown_or_ambiguous_reservation_is_one_line(
    invoke: Invoke, container: Container, world: World, stored: list[Reservation]
) -> None:
    other = attrs.evolve(world.connection, id=uuid4(), external_account_id="other")
    with container.uow_factory()() as uow:
        uow.connections.add(other)
        uow.commit()
    _store(container, attrs.evolve(world, connection=other), "4000000001")

    unknown = invoke("reservations", "show", "999")
    missing = invoke("reservations", "show", str(uuid4()))
    twice = invoke("reservations", "show", "4000000001")

    assert unknown.exit_code == missing.exit_code == ExitCode.NOT_FOUND
    assert "'999'" in one_error_line(unknown)
    assert twice.exit_code == ExitCode.USAGE
    assert "name one by id" in one_error_line(twice)


def test_api_keys_list_never_prints_a_secret(
    invoke: Invoke, container: Container, world: World
) -> None:
    keys = container.api_keys()
    used = keys.issue(world.organization.id, "ci")
    idle = keys.issue(world.organization.id, "laptop")
    keys.identify(used.plaintext)
    keys.revoke(world.organization.id, idle.record.prefix)

    result = invoke("api-keys", "list", "--organization", "acme")

    assert result.exit_code == 0, result.output
    cells = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in result.stdout.splitlines()
        if "cm_" in line
    ]
    lines = {row[1]: " ".join(row) for row in cells}
    assert set(lines) == {"ci", "laptop"}
    assert f"{used.record.prefix}..." in lines["ci"]
    assert "2025-03-01 12:00:00Z" in lines["ci"]  # created, and used, at the world's now
    assert "active" in lines["ci"]
    assert "never" in lines["laptop"]
    assert "revoked" in lines["laptop"]
    for secret in (used.plaintext, idle.plaintext, used.record.key_hash, idle.record.key_hash):
        assert secret not in result.stdout
        assert secret[VISIBLE:] not in result.stdout


VISIBLE = 10


def test_a_keys_use_is_recorded_to_the_minute(container: Container, world: World) -> None:
    keys = container.api_keys()
    issued = keys.issue(world.organization.id, "ci")
    clock = container.clock()

    keys.identify(issued.plaintext)
    first = keys.list(world.organization.id)[0].last_used_at
    clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    keys.identify(issued.plaintext)
    within = keys.list(world.organization.id)[0].last_used_at
    clock.advance(timedelta(seconds=40))  # type: ignore[attr-defined]
    keys.identify(issued.plaintext)
    later = keys.list(world.organization.id)[0].last_used_at

    assert first == within  # no write on every request
    assert later is not None
    assert first is not None
    assert later - first == timedelta(seconds=70)


def test_api_keys_list_of_every_organisation_and_of_none(
    invoke: Invoke, container: Container, world: World
) -> None:
    assert "no API keys" in invoke("api-keys", "list").stderr
    other = container.inventory().ensure_organization("other")
    container.api_keys().issue(other.id, "theirs")
    container.api_keys().issue(world.organization.id, "ours")

    result = invoke("api-keys", "list")

    assert "theirs" in result.stdout
    assert "ours" in result.stdout


def test_mappings_show_lists_hotel_rooms_and_rate_plans(invoke: Invoke, world: World) -> None:
    result = invoke("mappings", "show", str(world.connection.id))

    assert result.exit_code == 0, result.output
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert any("hotel │ H1 │" in r and f"Seaside │ {world.property.id}" in r for r in rows)
    assert any("room │ R1 │" in r and f"Double │ {world.unit.id}" in r for r in rows)
    assert any("rate plan │ BAR │" in r and "Best available │" in r for r in rows)


def test_mappings_show_of_an_unmapped_or_unknown_connection(
    invoke: Invoke, container: Container, world: World
) -> None:
    bare = attrs.evolve(world.connection, id=uuid4(), external_account_id="bare")
    with container.uow_factory()() as uow:
        uow.connections.add(bare)
        uow.commit()

    empty = invoke("mappings", "show", str(bare.id))
    unknown = invoke("mappings", "show", str(uuid4()))

    assert empty.exit_code == 0
    assert "no mapped hotels" in empty.stderr
    assert unknown.exit_code == ExitCode.NOT_FOUND
