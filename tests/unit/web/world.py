"""A small, realistic world for web UI tests: one organisation with a key, a property with
units and rate plans, and a fake Booking.com hotel whose rooms resemble them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID

import attrs
from dependency_injector import providers
from litestar import Litestar

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.channel import (
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
)
from channel_manager.domain.connection import AuthMode
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.web import web_handlers, web_middleware
from channel_manager.settings import Settings
from tests.support.clock import MovableClock
from tests.support.containers import app_container
from tests.support.outbox import deliver_all as deliver_outbox

HOTEL_CODE = "1234567"


@attrs.frozen
class World:
    """Everything a test needs to reach into."""

    container: Container
    channel: FakeChannel
    organization_id: UUID
    api_key: str
    property_id: UUID
    double_unit_id: UUID


def seeded_catalog() -> ExternalCatalog:
    """The fake channel's hotel: two room types, two rate plans."""
    return ExternalCatalog(
        property=ExternalProperty(HOTEL_CODE, "Harbour View Hotel", "EUR"),
        room_types=(
            ExternalRoomType("DBL", "Double Room", 2),
            ExternalRoomType("SUITE", "Junior Suite", 3),
        ),
        rate_plans=(
            ExternalRatePlan("STD", "Standard Rate"),
            ExternalRatePlan("NREF", "Non-refundable"),
        ),
    )


def build_world(
    organization: str = "Harbour Hotels",
    settings: Settings | None = None,
    *,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> World:
    """A container over a private SQLite file with one organisation, its key, property (in
    ``timezone``), units and rate plan, its clock standing at ``now`` (default: the session's
    instant)."""
    channel = FakeChannel()
    channel.add_hotel(seeded_catalog())
    container = app_container(channel, settings)
    # A fixed "now": the pages' dates (next year's, tests.support.clock.next_year) stay ahead.
    container.clock.override(providers.Object(MovableClock(now)))
    inventory = container.inventory()
    org = inventory.ensure_organization(organization)
    key = container.api_keys().issue(org.id, "web tests")
    prop = inventory.create_property(org.id, "Harbour View Hotel", "EUR")
    if timezone != prop.timezone:
        # Stored directly: a zone the inventory now refuses (``Mars/Olympus_Mons``) can still
        # be in rows written before it checked, and the pages must read those too.
        with container.uow_factory()() as uow:
            uow.properties.update(attrs.evolve(prop, timezone=timezone))
            uow.commit()
    double = inventory.create_unit(org.id, prop.id, "Double Room", count=4)
    inventory.create_rate_plan(org.id, prop.id, "Standard Rate", "STD")
    return World(container, channel, org.id, key.plaintext, prop.id, double.id)


def other_organization_key(world: World) -> str:
    """A key of a second organisation in the same container."""
    other = world.container.inventory().ensure_organization("Someone Else")
    return world.container.api_keys().issue(other.id, "other").plaintext


def connect(world: World, organization_id: UUID | None = None) -> UUID:
    """Go through the OAuth flow with the fake authoriser; the new connection's id."""
    connect_service = world.container.connect()
    url = connect_service.begin(
        organization_id or world.organization_id,
        AuthMode.OAUTH2,
        binding="test-caller",
        channel="booking",
    )
    authorizer = world.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(authorizer, FakeOAuth2Authorizer)
    params = authorizer.approve(url)
    connection = asyncio.run(
        connect_service.complete(params["state"], params, binding="test-caller", channel="booking")
    )
    return connection.id


def web_app(world: World) -> Litestar:
    """The full app (JSON API and web UI) over the world's container."""
    container = world.container
    return create_app(
        container,
        extra_handlers=web_handlers(container),
        middleware=web_middleware(container, container.settings()),
    )


async def deliver_all(world: World, worker_id: str = "test") -> int:
    """Send every due push of ``world`` (see :func:`tests.support.outbox.deliver_all`)."""
    return await deliver_outbox(world.container, worker_id)
