"""Hotel claims in the connect use cases (issue 12, section 1): one organisation per hotel,
whichever way it connects; the takeover through the return URL refused; disconnecting leaves
another holder's hotel connected; the operator's move.
"""

from __future__ import annotations

import logging
from uuid import uuid4

import pytest

from channel_manager.adapters.memory.fake_authorizers import (
    FakeConnectivityAuthorizer,
    FakeOAuth2Authorizer,
)
from channel_manager.application.errors import InvalidRequest
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.errors import HotelAlreadyConnected, HotelAlreadyHeld, NotFound
from channel_manager.domain.inventory import Organization
from tests.support.builders import catalog
from tests.unit.application.conftest import World

HOTEL = catalog().property.hotel_code

#: The browser every flow of these tests starts and ends in (flows are bound to it).
BROWSER = "browser-a"


def _oauth(world: World) -> FakeOAuth2Authorizer:
    flow = world.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(flow, FakeOAuth2Authorizer)
    return flow


def _extranet(world: World) -> FakeConnectivityAuthorizer:
    flow = world.container.authorizers()[AuthMode.BOOKING_CONNECTIVITY]
    assert isinstance(flow, FakeConnectivityAuthorizer)
    return flow


def _organization(world: World, name: str) -> Organization:
    return world.container.inventory().ensure_organization(name)


async def _connect_oauth(world: World, organization: Organization, *hotels: str) -> Connection:
    connect = world.container.connect()
    url = connect.begin(organization.id, AuthMode.OAUTH2, binding=BROWSER, channel="booking")
    params = _oauth(world).approve(url, hotels or None)
    return await connect.complete(params["state"], params, binding=BROWSER, channel="booking")


async def _connect_extranet(world: World, organization: Organization, hotel: str) -> Connection:
    connect = world.container.connect()
    url = connect.begin(
        organization.id, AuthMode.BOOKING_CONNECTIVITY, hotel, binding=BROWSER, channel="booking"
    )
    params = _extranet(world).request_connection(url)
    return await connect.complete(params["state"], params, binding=BROWSER, channel="booking")


def _claimed_by(world: World, hotel: str) -> object:
    with world.container.uow_factory()() as uow:
        claim = uow.hotel_claims.find("booking", hotel)
    return None if claim is None else claim.connection_id


def _connections(world: World, organization: Organization) -> list[Connection]:
    with world.container.uow_factory()() as uow:
        return uow.connections.list(organization.id)


async def test_a_connection_claims_the_hotels_it_was_granted_until_it_disconnects(
    world: World,
) -> None:
    connection = await world.connect()
    assert _claimed_by(world, HOTEL) == connection.id

    await world.container.connect().disconnect(world.organization.id, connection.id)

    assert _claimed_by(world, HOTEL) is None


async def test_a_second_organisation_approving_the_same_hotel_by_oauth_is_refused(
    world: World,
) -> None:
    """Not silently shared: the second grant is refused for the hotel, and given back."""
    first = await world.connect()
    rival = _organization(world, "Rival Rentals")
    usable_before = {t for t, usable in world.channel.refresh_tokens.items() if usable}

    with pytest.raises(HotelAlreadyHeld, match="another organisation") as refused:
        await _connect_oauth(world, rival, HOTEL)

    assert "move-hotel" in str(refused.value)
    assert _connections(world, rival) == []
    assert _claimed_by(world, HOTEL) == first.id
    # The refused grant's refresh token was revoked; the first connection's still works.
    usable_after = {t for t, usable in world.channel.refresh_tokens.items() if usable}
    assert usable_after == usable_before


async def test_the_same_organisation_cannot_hold_a_hotel_twice(world: World) -> None:
    first = await world.connect()

    with pytest.raises(HotelAlreadyHeld, match="disconnect that connection") as refused:
        await world.connect()

    assert str(first.id) in str(refused.value)
    assert [c.id for c in _connections(world, world.organization)] == [first.id]


async def test_the_takeover_through_the_return_url_is_refused(world: World) -> None:
    """The attack: start the booking-connectivity flow for the victim's (public) hotel id,
    skip the Extranet, call the return URL. Refused before the channel is asked anything."""
    world.channel.connected.discard(HOTEL)  # the victim connects it through the Extranet
    victim = await _connect_extranet(world, world.organization, HOTEL)
    attacker = _organization(world, "Mallory Stays")
    connect = world.container.connect()
    url = connect.begin(
        attacker.id, AuthMode.BOOKING_CONNECTIVITY, HOTEL, binding=BROWSER, channel="booking"
    )
    returned = _extranet(world).cancel_connection(url)  # the return URL's state, no request

    with pytest.raises(HotelAlreadyHeld, match="another organisation"):
        await connect.complete(
            returned["state"], {"state": returned["state"]}, binding=BROWSER, channel="booking"
        )

    assert _connections(world, attacker) == []
    assert _claimed_by(world, HOTEL) == victim.id
    assert HOTEL in world.channel.connected


async def test_a_connected_hotel_nobody_holds_is_not_proof_of_anything(world: World) -> None:
    """Connected at the channel (before claims, or by hand) but held by nobody here: the
    flow still needs a request made during it."""
    assert HOTEL in world.channel.connected
    connect = world.container.connect()
    url = connect.begin(
        world.organization.id,
        AuthMode.BOOKING_CONNECTIVITY,
        HOTEL,
        binding=BROWSER,
        channel="booking",
    )
    params = _extranet(world).request_connection(url)  # connected: nothing to request

    with pytest.raises(HotelAlreadyConnected, match="move-hotel"):
        await connect.complete(params["state"], params, binding=BROWSER, channel="booking")
    assert _connections(world, world.organization) == []


async def test_disconnect_leaves_a_hotel_another_connection_holds_connected(
    world: World,
) -> None:
    """A second connection for the hotel (left from before claims) disconnects: the channel
    must not deactivate the hotel under its holder."""
    world.channel.connected.discard(HOTEL)
    holder = await _connect_extranet(world, world.organization, HOTEL)
    other = _organization(world, "Old Duplicate")
    leftover = Connection(
        id=uuid4(),
        organization_id=other.id,
        channel="booking",
        auth_mode=AuthMode.BOOKING_CONNECTIVITY,
        created_at=world.clock.now(),
    ).activate("leftover-ref", world.clock.now(), HOTEL)
    with world.container.uow_factory()() as uow:
        uow.connections.add(leftover)
        uow.commit()
    world.container.credentials().save("leftover-ref", f"booking-connectivity {HOTEL}".encode())

    revoked = await world.container.connect().disconnect(other.id, leftover.id)

    assert revoked.status is ConnectionStatus.REVOKED
    assert HOTEL in world.channel.connected
    assert _claimed_by(world, HOTEL) == holder.id


async def test_disconnecting_the_holder_deactivates_and_frees_the_hotel(world: World) -> None:
    world.channel.connected.discard(HOTEL)
    holder = await _connect_extranet(world, world.organization, HOTEL)

    await world.container.connect().disconnect(world.organization.id, holder.id)

    assert HOTEL not in world.channel.connected
    assert _claimed_by(world, HOTEL) is None
    # Free again: another organisation connects it through the Extranet.
    newcomer = _organization(world, "New Management")
    assert (await _connect_extranet(world, newcomer, HOTEL)).organization_id == newcomer.id


async def test_the_operator_moves_a_hotel_and_it_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    taker = await world.connect()
    owner = _organization(world, "Rightful Owner")
    caplog.set_level(logging.WARNING, logger="channel_manager.application.connect")

    move = world.container.connect().move_hotel(
        HOTEL, owner.id, "ticket 42: deed shown", channel="booking"
    )

    assert move.connection.organization_id == owner.id
    assert move.connection.status is ConnectionStatus.ACTIVE
    assert move.connection.auth_mode is AuthMode.BOOKING_CONNECTIVITY
    assert move.connection.external_account_id == HOTEL
    assert move.previous is not None
    assert move.previous.id == taker.id
    assert _claimed_by(world, HOTEL) == move.connection.id
    with world.container.uow_factory()() as uow:
        assert uow.connections.get(taker.id).status is ConnectionStatus.REVOKED
    assert HOTEL in world.channel.connected  # nothing was deactivated at the channel
    logged = [r.getMessage() for r in caplog.records if "moved" in r.getMessage()]
    assert len(logged) == 1
    assert HOTEL in logged[0]
    assert "ticket 42: deed shown" in logged[0]
    assert str(owner.id) in logged[0]
    # The new holder disconnects normally later: the hotel is deactivated then.
    await world.container.connect().disconnect(owner.id, move.connection.id)
    assert HOTEL not in world.channel.connected


def test_a_move_needs_a_reason_a_known_organisation_and_a_change(world: World) -> None:
    connect = world.container.connect()
    owner = _organization(world, "Rightful Owner")
    with pytest.raises(InvalidRequest, match="reason"):
        connect.move_hotel(HOTEL, owner.id, "  ", channel="booking")
    with pytest.raises(NotFound):
        connect.move_hotel(HOTEL, uuid4(), "ticket 7", channel="booking")
    connect.move_hotel(HOTEL, owner.id, "ticket 7", channel="booking")
    with pytest.raises(InvalidRequest, match="already held by that organisation"):
        connect.move_hotel(HOTEL, owner.id, "ticket 8", channel="booking")


async def test_an_oauth_flow_started_for_a_typed_hotel_id_neither_claims_nor_becomes_it(
    world: World,
) -> None:
    """The review's trap: ``/connect/booking?mode=oauth2&hotel_id=<someone's hotel>`` and
    consent for another hotel. The typed id was the connection's account, so pushes for that
    hotel (while unmapped) were stored with the attacker. Now only the channel names the
    account and the hotels of an OAuth grant."""
    theirs, mine = "7000001", "7000002"
    attacker = _organization(world, "Mallory Ltd")
    connect = world.container.connect()
    url = connect.begin(attacker.id, AuthMode.OAUTH2, theirs, binding=BROWSER, channel="booking")
    params = _oauth(world).approve(url, [mine])

    connection = await connect.complete(params["state"], params, binding=BROWSER, channel="booking")

    assert connection.external_account_id != theirs
    assert _claimed_by(world, theirs) is None
    assert _claimed_by(world, mine) == connection.id
