"""Channels as plug-ins: the registry dispatches on ``Connection.channel``, each channel has its
own connect flow, and two channels that use the same hotel code never see each other's
reservations (the in-memory fake registered as ``booking`` and again as ``other``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta
from uuid import uuid4

import attrs
import pytest
from dependency_injector import providers

from channel_manager.adapters.booking.publish_policy import BookingPublishPolicy
from channel_manager.adapters.memory.channel_plugin import FakeChannelPlugin, fake_authorizers
from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.adapters.memory.gateway import (
    FakeChannel,
    FakeChannelGateway,
    FakeGatewayFactory,
)
from channel_manager.application.channels import (
    ChannelNotRegistered,
    ChannelRegistry,
    UnknownChannel,
)
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.reservations import UnknownReservation
from channel_manager.container import Container
from channel_manager.domain.ari_calendar import AriChangeSet
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.errors import NotFound, PermanentChannelError
from channel_manager.domain.inventory import Organization
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.channel import ChannelPlugin
from tests.support.builders import HOTEL, booking, catalog
from tests.support.clock import MovableClock, session_now
from tests.support.containers import app_container, make_settings

OTHER = "other"
BOOKING_POLICY = BookingPublishPolicy()
BROWSER = "browser-a"


@attrs.define
class TwoChannels:
    """The fake channel as ``booking`` and a second fake as ``other``, both selling HOTEL."""

    container: Container
    booking: FakeChannel
    other: FakeChannel
    organization: Organization

    def flow(self, channel: str) -> FakeOAuth2Authorizer:
        flow = self.container.channels().authorizers(channel)[AuthMode.OAUTH2]
        assert isinstance(flow, FakeOAuth2Authorizer)
        return flow

    async def connect(self, channel: str) -> Connection:
        connect = self.container.connect()
        url = connect.begin(self.organization.id, binding=BROWSER, channel=channel)
        params = self.flow(channel).approve(url)
        return await connect.complete(params["state"], params, binding=BROWSER, channel=channel)

    def stored(self, connection: Connection) -> list[Reservation]:
        with self.container.uow_factory()() as uow:
            return uow.reservations.list(self.organization.id, connection_id=connection.id)

    def reservations(self, connection: Connection) -> list[str]:
        return sorted(r.external_id for r in self.stored(connection))


def two_channels(*plugins: ChannelPlugin) -> TwoChannels:
    """``booking`` and ``other`` (and ``plugins``), both fakes selling the same hotel code."""
    ours, theirs = FakeChannel(), FakeChannel()
    ours.add_hotel(catalog())
    theirs.add_hotel(catalog())  # the same hotel code, another channel's property
    container = app_container(ours, others={OTHER: theirs}, plugins=plugins)
    container.clock.override(providers.Object(MovableClock()))
    organization = container.inventory().ensure_organization("Canal Hotels")
    return TwoChannels(container, ours, theirs, organization)


@pytest.fixture
def world() -> Iterator[TwoChannels]:
    world = two_channels()
    yield world
    world.container.unwire()


def _connection(channel: str) -> Connection:
    return Connection(
        id=uuid4(),
        organization_id=uuid4(),
        channel=channel,
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        created_at=session_now(),
    )


# -- the registry -----------------------------------------------------------------------------
def test_the_registry_makes_each_connections_gateway_through_its_channel() -> None:
    booking_plugin = FakeChannelPlugin.over("booking", publish_policy=BOOKING_POLICY)
    other_plugin = FakeChannelPlugin.over(OTHER, publish_policy=BOOKING_POLICY)
    registry = ChannelRegistry([booking_plugin, other_plugin])

    gateway = registry.for_connection(_connection(OTHER))

    assert registry.keys() == ("booking", OTHER)
    assert isinstance(gateway, FakeChannelGateway)
    assert gateway.channel is other_plugin.channel
    assert other_plugin.gateways.made == [gateway]
    assert booking_plugin.gateways.made == []


def test_an_unknown_channel_is_not_found_and_says_which_channels_exist() -> None:
    registry = ChannelRegistry([FakeChannelPlugin.over("booking", publish_policy=BOOKING_POLICY)])

    with pytest.raises(UnknownChannel) as raised:
        registry.plugin("expedia")

    assert isinstance(raised.value, NotFound)
    assert str(raised.value) == "there is no channel 'expedia' here (channels: booking)"


def test_a_connection_on_a_channel_without_plugin_fails_permanently() -> None:
    registry = ChannelRegistry([FakeChannelPlugin.over("booking", publish_policy=BOOKING_POLICY)])

    with pytest.raises(ChannelNotRegistered) as raised:
        registry.for_connection(_connection("gone"))

    assert isinstance(raised.value, PermanentChannelError)
    assert "'gone'" in str(raised.value)


def test_two_plugins_may_not_share_a_key() -> None:
    with pytest.raises(ValueError, match="'booking'"):
        ChannelRegistry(
            [
                FakeChannelPlugin.over("booking", publish_policy=BOOKING_POLICY),
                FakeChannelPlugin.over("booking", publish_policy=BOOKING_POLICY),
            ]
        )


def test_the_container_registers_booking_from_its_gateways_and_authorisers() -> None:
    container = app_container()

    registry = container.channels()

    assert registry.keys() == ("booking", "ical")
    assert registry.plugin("booking").gateways is container.gateways()
    assert registry.authorizers("booking") is container.authorizers()
    assert registry.plugin("booking").poll_interval is None  # the default, CM_POLL_INTERVAL


def test_the_container_registers_ical_polled_at_its_own_interval() -> None:
    container = app_container(settings=make_settings({"CM_ICAL_INTERVAL": "7m"}))

    ical = container.channels().plugin("ical")

    assert ical.poll_interval == timedelta(minutes=7)
    assert ical.authorizers == {}
    assert ical.default_auth_mode is None
    assert ical.publish_policy.shape(AriChangeSet()) == ()


# -- connecting per channel -------------------------------------------------------------------
async def test_a_connection_made_through_a_channels_flow_is_on_that_channel(
    world: TwoChannels,
) -> None:
    connect = world.container.connect()
    url = connect.begin(world.organization.id, binding=BROWSER, channel=OTHER)

    connection = await world.connect(OTHER)

    assert "%2Foauth%2Fother%2Fcallback" in url  # the channel's own redirect URI
    assert connection.channel == OTHER
    with world.container.uow_factory()() as uow:
        claims = uow.hotel_claims.list_by_connection(connection.id)
    assert [(c.channel, c.external_property_id) for c in claims] == [(OTHER, HOTEL)]


async def test_the_same_hotel_code_is_held_once_per_channel(world: TwoChannels) -> None:
    ours = await world.connect("booking")
    theirs = await world.connect(OTHER)

    with world.container.uow_factory()() as uow:
        assert uow.hotel_claims.find("booking", HOTEL).connection_id == ours.id  # type: ignore[union-attr]
        assert uow.hotel_claims.find(OTHER, HOTEL).connection_id == theirs.id  # type: ignore[union-attr]


async def test_a_flow_comes_back_only_to_its_own_channels_callback(world: TwoChannels) -> None:
    connect = world.container.connect()
    url = connect.begin(world.organization.id, binding=BROWSER, channel="booking")
    params = world.flow("booking").approve(url)

    with pytest.raises(InvalidRequest, match="not started for channel 'other'"):
        await connect.complete(params["state"], params, binding=BROWSER, channel=OTHER)
    connection = await connect.complete(params["state"], params, binding=BROWSER, channel="booking")

    assert connection.channel == "booking"  # the state was left unused by the wrong callback


async def test_connecting_an_unknown_channel_is_refused_before_anything_is_stored(
    world: TwoChannels,
) -> None:
    connect = world.container.connect()

    with pytest.raises(UnknownChannel):
        connect.begin(world.organization.id, binding=BROWSER, channel="expedia")
    with pytest.raises(UnknownChannel):
        await connect.complete("any", {}, binding=BROWSER, channel="expedia")


async def test_a_mode_the_channel_does_not_offer_is_refused() -> None:
    only_oauth = attrs.evolve(
        FakeChannelPlugin.over("oauth-only", publish_policy=BOOKING_POLICY),
        authorizers={AuthMode.OAUTH2: fake_authorizers(FakeChannel())[AuthMode.OAUTH2]},
    )
    world = two_channels(only_oauth)

    with pytest.raises(InvalidRequest, match="not configured for channel 'oauth-only'"):
        world.container.connect().begin(
            world.organization.id,
            AuthMode.BOOKING_CONNECTIVITY,
            "1000001",
            binding=BROWSER,
            channel="oauth-only",
        )


async def test_disconnecting_revokes_at_the_connections_own_channel(world: TwoChannels) -> None:
    connection = await world.connect(OTHER)
    tokens = dict(world.other.refresh_tokens)

    await world.container.connect().disconnect(world.organization.id, connection.id)

    assert list(tokens.values()) == [True]
    assert list(world.other.refresh_tokens.values()) == [False]  # revoked at "other"
    assert world.booking.refresh_tokens == {}


# -- reservations by (channel, code) ----------------------------------------------------------
async def test_polls_of_two_channels_with_the_same_hotel_code_keep_their_reservations_apart(
    world: TwoChannels,
) -> None:
    ours = await world.connect("booking")
    theirs = await world.connect(OTHER)
    world.booking.enqueue(booking("B-1", hotel_code=HOTEL))
    world.other.enqueue(booking("O-1", hotel_code=HOTEL))
    sync = world.container.sync()

    await sync.poll(ours.id)
    await sync.poll(theirs.id)

    assert world.reservations(ours) == ["B-1"]
    assert world.reservations(theirs) == ["O-1"]
    assert [r.channel for r in world.stored(ours)] == ["booking"]
    assert [r.channel for r in world.stored(theirs)] == [OTHER]
    assert world.booking.pending_messages() == world.other.pending_messages() == []


async def test_routing_a_push_considers_only_connections_of_its_channel(
    world: TwoChannels,
) -> None:
    ours = await world.connect("booking")
    theirs = await world.connect(OTHER)
    intake = world.container.intake()
    intake.apply(theirs, booking("O-1", hotel_code=HOTEL))

    with world.container.uow_factory()() as uow:
        assert intake.route_in(uow, "booking", HOTEL).id == ours.id
        assert intake.route_in(uow, OTHER, HOTEL).id == theirs.id
        assert intake.route_known_in(uow, OTHER, "O-1").id == theirs.id
        with pytest.raises(UnknownReservation, match="booking reservation 'O-1' names no hotel"):
            intake.route_known_in(uow, "booking", "O-1")


# -- feeds that do not acknowledge ------------------------------------------------------------
class SnapshotGateway(FakeChannelGateway):
    """A feed that needs no acknowledgement (an iCal snapshot, say): acknowledging is a bug."""

    acknowledges = False

    async def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        for message in self.channel.pending_messages():
            yield message

    async def acknowledge(self, reservations: Sequence[ChannelReservation]) -> None:
        raise AssertionError("a feed that does not acknowledge was acknowledged")


class SnapshotGateways(FakeGatewayFactory):
    def for_connection(self, connection: Connection) -> SnapshotGateway:
        return SnapshotGateway(self.channel)


async def test_a_feed_that_does_not_acknowledge_is_not_acknowledged() -> None:
    snapshot = FakeChannel()
    snapshot.add_hotel(catalog())
    plugin = FakeChannelPlugin(
        "snapshot", snapshot, SnapshotGateways(snapshot), fake_authorizers(snapshot), BOOKING_POLICY
    )
    world = two_channels(plugin)
    connection = await world.connect("snapshot")
    snapshot.enqueue(booking("S-1", hotel_code=HOTEL))

    run = await world.container.sync().poll(connection.id)

    assert run is not None
    assert not run.errors
    assert world.reservations(connection) == ["S-1"]
    assert "acknowledged" not in run.counts
    assert "unacknowledged" not in run.counts
    assert [m.reservation.external_id for m in snapshot.pending_messages()] == ["S-1"]
