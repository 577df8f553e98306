"""Fixtures for the CLI tests: a runner, a clean CM_ environment and a container
over a private SQLite file."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import attrs
import pytest
from dependency_injector import providers
from typer.testing import CliRunner, Result

from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.channel import (
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
)
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping
from channel_manager.entrypoints.cli import context
from channel_manager.entrypoints.cli.app import app
from tests.support.clock import MovableClock
from tests.support.containers import app_container

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CM_ setting leaks in from the machine running the tests."""
    for name in [name for name in os.environ if name.startswith("CM_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def invoke() -> Invoke:
    """Run ``channel-manager ARGS...``; stdout and stderr stay apart on the result."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


@pytest.fixture
def channel() -> FakeChannel:
    """The fake Booking.com behind the container."""
    return FakeChannel()


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch, channel: FakeChannel) -> Container:
    """Every command gets this container (a private SQLite file, the fake channel)."""
    built = app_container(channel)
    # The world's dates (June 2025) are "ahead" only at a fixed now.
    built.clock.override(providers.Object(MovableClock(NOW)))
    monkeypatch.setattr(context, "get_container", lambda: built)
    return built


@attrs.frozen
class World:
    """One organisation with an active connection whose hotel H1 / room R1 / plan BAR is mapped."""

    organization: Organization
    connection: Connection
    property: Property
    unit: Unit


@pytest.fixture
def world(container: Container) -> World:
    """Seed :class:`World` into the container's store."""
    organization = Organization(uuid4(), "acme")
    connection = Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="cred-1",
        created_at=NOW,
    )
    prop = Property(uuid4(), organization.id, "Seaside", "EUR")
    unit = Unit(uuid4(), prop.id, "Double", count=3)
    plan = RatePlan(uuid4(), prop.id, "Best available", "BAR")
    mapping = PropertyMapping(
        id=uuid4(),
        connection_id=connection.id,
        internal_property_id=prop.id,
        external_property_id="H1",
        created_at=NOW,
    )
    with container.uow_factory()() as uow:
        uow.organizations.add(organization)
        uow.connections.add(connection)
        uow.properties.add(prop)
        uow.units.add(unit)
        uow.rate_plans.add(plan)
        uow.property_mappings.add(mapping)
        uow.unit_mappings.add(
            UnitMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_unit_id=unit.id,
                external_room_type_id="R1",
                created_at=NOW,
            )
        )
        uow.rate_plan_mappings.add(
            RatePlanMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_rate_plan_id=plan.id,
                external_rate_plan_id="BAR",
                created_at=NOW,
            )
        )
        uow.commit()
    return World(organization, connection, prop, unit)


def hotel_catalog(code: str = "H1", name: str = "Seaside") -> ExternalCatalog:
    """A channel hotel with the room (R1) and rate plan (BAR) that :class:`World` maps."""
    return ExternalCatalog(
        ExternalProperty(code, name, "EUR"),
        (ExternalRoomType("R1", "Double", 2),),
        (ExternalRatePlan("BAR", "Best available"),),
    )


def one_error_line(result: Result) -> str:
    """The single ``error: ...`` line a failed command printed (and nothing else on stderr)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]
