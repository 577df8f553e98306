"""An application over in-memory adapters, a fake channel and a movable clock."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import attrs
import pytest
from dependency_injector import providers

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.inventory import Organization, Property, Unit
from channel_manager.domain.sync import OutboundMessage
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
    #: The pushes of the whole calendar a first mapping sent (see ``deliver_opening``).
    opening_pushes: set[UUID] = attrs.field(factory=set)

    async def connect(self) -> Connection:
        """Connect through the oauth2 flow, approving at the fake channel's page."""
        connect = self.container.connect()
        url = connect.begin(
            self.organization.id, AuthMode.OAUTH2, binding="browser-a", channel="booking"
        )
        flow = self.container.authorizers()[AuthMode.OAUTH2]
        assert isinstance(flow, FakeOAuth2Authorizer)
        params = flow.approve(url)
        return await connect.complete(
            params["state"], params, binding="browser-a", channel="booking"
        )

    async def deliver_opening(self) -> None:
        """Deliver what is due now (after a first mapping: its rooms' whole calendar) and set
        it apart, so that a test sees only the pushes it causes (``pushes``)."""
        dispatcher = self.container.dispatcher()
        while await dispatcher.dispatch_due("opening", limit=100):
            pass
        self.opening_pushes |= {m.id for m in dispatcher.list(self.organization.id)}

    def pushes(self) -> list[OutboundMessage]:
        """The organisation's pushes, newest first, without the opening calendar's."""
        return [
            m
            for m in self.container.dispatcher().list(self.organization.id)
            if m.id not in self.opening_pushes
        ]


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
