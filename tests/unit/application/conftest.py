"""An application over a private SQLite file, a fake channel and a movable clock."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import attrs
import pytest
from dependency_injector import providers

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.application.mapping_views import (
    HotelMappingInput,
    MappingsInput,
    RatePlanMappingInput,
    UnitMappingInput,
)
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.sync import OutboundMessage
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE, catalog
from tests.support.clock import MovableClock
from tests.support.containers import app_container
from tests.support.outbox import deliver_all


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
        await deliver_all(self.container, "opening")
        dispatcher = self.container.dispatcher()
        self.opening_pushes |= {m.id for m in dispatcher.list(self.organization.id)}

    async def map_double(self, connection: Connection) -> RatePlan:
        """Map the hotel and its double room to our Double (the suite stays unmapped) and
        its rate plan to a new rate plan of ours, which is returned; what the mapping sent
        (the room's whole calendar) is delivered and set apart."""
        await self.container.mappings().save(
            self.organization.id,
            connection.id,
            MappingsInput(
                hotels=(
                    HotelMappingInput(
                        external_property_id=HOTEL,
                        internal_property_id=self.property.id,
                        units=(
                            UnitMappingInput(
                                external_room_type_id=ROOM_DOUBLE,
                                internal_unit_id=self.double.id,
                            ),
                        ),
                        rate_plans=(
                            RatePlanMappingInput(
                                external_rate_plan_id=RATE_STANDARD, create_rate_plan=True
                            ),
                        ),
                    ),
                )
            ),
        )
        await self.deliver_opening()
        with self.container.uow_factory()() as uow:
            [plan] = uow.rate_plans.list_by_property(self.property.id)
        return plan

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
    container = app_container(channel)
    container.clock.override(providers.Object(clock))
    inventory = container.inventory()
    organization = inventory.ensure_organization("Canal Hotels")
    prop = inventory.create_property(organization.id, "Canal House Amsterdam", "EUR")
    double = inventory.create_unit(organization.id, prop.id, "Double", count=3, max_occupancy=2)
    suite = inventory.create_unit(organization.id, prop.id, "Family Suite", 1, 4)
    yield World(container, channel, clock, organization, prop, double, suite)
    container.unwire()
