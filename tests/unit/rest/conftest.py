"""Fixtures for the push endpoint: the real app over a private SQLite file, a mapped hotel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID, uuid4

import attrs
import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.domain.push_inbox import InboxRow, InboxState
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.rest.push import push_handlers
from tests.support.clock import MovableClock
from tests.support.containers import app_container, make_settings
from tests.support.database import row_counts as table_row_counts
from tests.unit.ota.samples import SCHEMA_DIR, OtaSchemas

HOTEL_CODE = "1234567"
ROOM_TYPE = "123456701"
#: The test client's socket peer comes from this header (see ``peer_from_header``).
PEER_HEADER = "x-test-peer"
PushClient = TestClient[Litestar]


def peer_from_header(app: ASGIApp) -> ASGIApp:
    """Middleware that sets the ASGI client address from ``x-test-peer``, standing in for the
    socket peer the test client cannot choose."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            for name, value in scope["headers"]:
                if name == PEER_HEADER.encode():
                    scope["client"] = (value.decode(), 50000)
        await app(scope, receive, send)

    return middleware


@attrs.frozen
class MappedHotel:
    """An organisation with one active connection whose mapping holds ``HOTEL_CODE``."""

    organization_id: UUID
    connection_id: UUID
    unit_id: UUID


def map_hotel(
    container: Container, hotel_code: str = HOTEL_CODE, *, channel: str = "booking"
) -> MappedHotel:
    """Seed an organisation, property, unit, active connection (on ``channel``) and property
    + unit mapping."""
    inventory = container.inventory()
    organization = inventory.ensure_organization(f"Hotelier {hotel_code}")
    prop = inventory.create_property(organization.id, "Seaside", "EUR")
    unit = inventory.create_unit(organization.id, prop.id, "Double", count=3)
    now: datetime = container.clock().now()
    connection = Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel=channel,
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        created_at=now,
    )
    mapping = PropertyMapping(
        id=uuid4(),
        connection_id=connection.id,
        internal_property_id=prop.id,
        external_property_id=hotel_code,
        created_at=now,
    )
    with container.uow_factory()() as uow:
        uow.connections.add(connection)
        uow.property_mappings.add(mapping)
        uow.unit_mappings.add(
            UnitMapping(
                id=uuid4(),
                property_mapping_id=mapping.id,
                internal_unit_id=unit.id,
                external_room_type_id=ROOM_TYPE,
                created_at=now,
            )
        )
        uow.commit()
    return MappedHotel(organization.id, connection.id, unit.id)


def row_counts(container: Container) -> dict[str, int]:
    """How many committed rows each table holds (empty tables left out)."""
    return table_row_counts(container.engine())


def apply_pushes(container: Container) -> int:
    """Apply the push inbox as the worker does (until nothing is due); how many rows were
    dealt with. A push is answered once stored: tests drive the applier to see it applied."""
    inbox = container.push_inbox()
    total = 0
    while done := inbox.apply_due():
        total += done
    return total


def inbox_rows(container: Container, state: InboxState | None = None) -> list[InboxRow]:
    """The push inbox's rows (in ``state``), oldest first."""
    with container.uow_factory()() as uow:
        return uow.push_inbox.list(state)


def client_for(container: Container) -> PushClient:
    """A test client for the full app with the push endpoint."""
    app = create_app(
        container, extra_handlers=push_handlers(container), middleware=[peer_from_header]
    )
    return TestClient(app)


@pytest.fixture
def container() -> Container:
    """The real container over a private SQLite file, push credentials configured, on a
    clock that moves only when a test moves it (the inbox's retries wait on it)."""
    container = app_container(
        settings=make_settings(
            {"CM_PUSH_ALLOWED_IPS": "198.51.100.0/24", "CM_TRUSTED_PROXIES": "10.0.0.0/8"}
        )
    )
    container.clock.override(providers.Object(MovableClock()))
    return container


@pytest.fixture
def hotel(container: Container) -> MappedHotel:
    """``HOTEL_CODE`` mapped on an active connection."""
    return map_hotel(container)


@pytest.fixture
def client(container: Container) -> Iterator[PushClient]:
    """A test client over ``container``."""
    with client_for(container) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def ota_schemas() -> OtaSchemas:
    """The 2015B schemas, compiled once."""
    return OtaSchemas(SCHEMA_DIR)
