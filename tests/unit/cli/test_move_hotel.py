"""``channel-manager connections move-hotel``: the operator's logged way out of a disputed hotel."""

from __future__ import annotations

import logging
from uuid import UUID

import pytest

from channel_manager.container import Container
from channel_manager.domain.connection import ConnectionStatus, HotelClaim
from channel_manager.domain.inventory import Organization
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.unit.cli.conftest import NOW, Invoke, World, one_error_line


def _hold(container: Container, world: World, hotel: str) -> None:
    with container.uow_factory()() as uow:
        uow.hotel_claims.add(
            HotelClaim(
                channel="booking",
                external_property_id=hotel,
                organization_id=world.organization.id,
                connection_id=world.connection.id,
                claimed_at=NOW,
            )
        )
        uow.commit()


def test_move_hotel_gives_the_hotel_to_the_named_organisation_and_logs_it(
    invoke: Invoke, world: World, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    _hold(container, world, "H1")
    _hold(container, world, "H2")
    owner = container.inventory().ensure_organization("rightful")
    caplog.set_level(logging.WARNING)

    result = invoke(
        "connections", "move-hotel", "H1", "--to-organization", "rightful", "--reason", "ticket 9"
    )

    assert result.exit_code == 0, result.output
    new_id = UUID(result.stdout.split("connection ")[1].split()[0])
    with container.uow_factory()() as uow:
        claim = uow.hotel_claims.find("booking", "H1")
        moved = uow.connections.get(new_id)
        previous = uow.connections.get(world.connection.id)
        assert uow.hotel_claims.find("booking", "H2") is None  # released with its connection
    assert claim is not None
    assert claim.connection_id == new_id
    assert moved.organization_id == owner.id
    assert moved.status is ConnectionStatus.ACTIVE
    assert previous.status is ConnectionStatus.REVOKED
    assert f"revoked connection {world.connection.id}" in result.stdout
    assert "H2" in result.stderr
    assert any("ticket 9" in r.getMessage() and "H1" in r.getMessage() for r in caplog.records)


def test_move_hotel_to_an_unknown_organisation_is_not_found_and_changes_nothing(
    invoke: Invoke, world: World, container: Container
) -> None:
    _hold(container, world, "H1")

    result = invoke(
        "connections", "move-hotel", "H1", "--to-organization", "nobody", "--reason", "x"
    )

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "nobody" in one_error_line(result)
    with container.uow_factory()() as uow:
        claim = uow.hotel_claims.find("booking", "H1")
    assert claim is not None
    assert claim.connection_id == world.connection.id


def test_move_hotel_needs_a_reason(invoke: Invoke, world: World, container: Container) -> None:
    container.inventory().ensure_organization("rightful")
    assert isinstance(world.organization, Organization)

    result = invoke("connections", "move-hotel", "H1", "--to-organization", "rightful")

    assert result.exit_code == ExitCode.USAGE
    assert "--reason" in one_error_line(result)
