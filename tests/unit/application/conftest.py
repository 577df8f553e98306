"""An application over in-memory adapters, a fake channel and a movable clock."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from dependency_injector import providers

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.inventory import Organization, Property, Unit
from tests.support.builders import catalog
from tests.support.clock import MovableClock
from tests.support.containers import memory_container


@attrs.define
class World:
    """Everything a test needs: the container, the fake channel, the clock, one organisation
    with a property of two units.
    """

    container: Container
    channel: FakeChannel
    clock: MovableClock
    organization: Organization
    property: Property
    double: Unit
    suite: Unit

    async def connect(self) -> Connection:
        """Connect through the oauth2 flow, approving at the fake channel's page."""
        connect = self.container.connect()
        url = connect.begin(self.organization.id, AuthMode.OAUTH2, binding="browser-a")
        flow = self.container.authorizers()[AuthMode.OAUTH2]
        assert isinstance(flow, FakeOAuth2Authorizer)
        params = flow.approve(url)
        return await connect.complete(params["state"], params, binding="browser-a")


@pytest.fixture
def world() -> Iterator[World]:
    channel = FakeChannel()
    channel.add_hotel(catalog())
    clock = MovableClock()
    container = memory_container(channel)
    container.clock.override(providers.Object(clock))
    inventory = container.inventory()
    organization = inventory.ensure_organization("Canal Hotels")
    prop = inventory.create_property(organization.id, "Canal House Amsterdam", "EUR")
    double = inventory.create_unit(organization.id, prop.id, "Double", count=3, max_occupancy=2)
    suite = inventory.create_unit(organization.id, prop.id, "Family Suite", 1, 4)
    yield World(container, channel, clock, organization, prop, double, suite)
    container.unwire()
