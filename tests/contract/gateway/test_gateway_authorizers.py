"""The AuthorizationFlow contract for both authorisers, fake and Booking.com (sandbox)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import attrs
import pytest

from booking_sandbox.server import SandboxServer
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.errors import (
    ChannelAuthError,
    DomainError,
    HotelAlreadyConnected,
    PermanentChannelError,
)
from tests.support.clock import shifted_now

from .auth_harness import CALLBACK, AuthHarness, FakeAuthHarness, SandboxAuthHarness


@pytest.fixture(params=["fake", "booking"])
async def auth(request: pytest.FixtureRequest) -> AsyncIterator[AuthHarness]:
    if request.param == "fake":
        yield FakeAuthHarness()
        return
    with SandboxServer(seed=5) as server:
        harness = SandboxAuthHarness(server)
        yield harness
        await harness.aclose()


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# -- oauth2 -----------------------------------------------------------------------------------
async def test_oauth2_begin_sends_state_and_an_s256_challenge(auth: AuthHarness) -> None:
    state, url = auth.oauth2.begin(uuid.uuid4(), CALLBACK, None, shifted_now())

    query = dict(parse_qsl(urlsplit(url).query))
    assert state.auth_mode is AuthMode.OAUTH2
    assert query["state"] == state.state
    assert query["code_challenge"] == _s256(state.code_verifier)
    assert query["code_challenge_method"] == "S256"
    assert state.expires_at > state.created_at


async def test_oauth2_approval_yields_credentials_that_refresh_and_rotate(
    auth: AuthHarness,
) -> None:
    state, url = auth.oauth2.begin(uuid.uuid4(), CALLBACK, None, shifted_now())
    params = await auth.approve(url)

    grant = await auth.oauth2.complete(state, params)
    refreshed = await auth.oauth2.refresh(grant.credentials)

    assert grant.credentials
    assert refreshed != grant.credentials
    with pytest.raises(ChannelAuthError):  # the old refresh token was rotated away
        await auth.oauth2.refresh(grant.credentials)


async def test_oauth2_denial_is_an_auth_error(auth: AuthHarness) -> None:
    state, url = auth.oauth2.begin(uuid.uuid4(), CALLBACK, None, shifted_now())
    params = await auth.deny(url)

    assert params["error"] == "access_denied"
    with pytest.raises(ChannelAuthError):
        await auth.oauth2.complete(state, params)


async def test_oauth2_code_is_bound_to_the_pkce_verifier(auth: AuthHarness) -> None:
    state, url = auth.oauth2.begin(uuid.uuid4(), CALLBACK, None, shifted_now())
    other, _ = auth.oauth2.begin(uuid.uuid4(), CALLBACK, None, shifted_now())
    params = await auth.approve(url)
    forged = attrs.evolve(state, code_verifier=other.code_verifier)

    with pytest.raises(ChannelAuthError):
        await auth.oauth2.complete(forged, params)


async def test_oauth2_revoked_credentials_cannot_be_refreshed(auth: AuthHarness) -> None:
    state, url = auth.oauth2.begin(uuid.uuid4(), CALLBACK, None, shifted_now())
    grant = await auth.oauth2.complete(state, await auth.approve(url))

    await auth.oauth2.revoke(grant.credentials)

    with pytest.raises(ChannelAuthError):
        await auth.oauth2.refresh(grant.credentials)


# -- booking-connectivity ---------------------------------------------------------------------
async def test_connectivity_needs_a_property_id(auth: AuthHarness) -> None:
    with pytest.raises(DomainError):
        auth.connectivity.begin(uuid.uuid4(), CALLBACK, None, shifted_now())


async def test_connectivity_accepts_the_request_made_in_the_extranet(auth: AuthHarness) -> None:
    hotel = auth.unconnected_hotel()
    state, url = auth.connectivity.begin(uuid.uuid4(), CALLBACK, hotel, shifted_now())

    params = await auth.request_connection(url)
    grant = await auth.connectivity.complete(state, params)

    assert params["state"] == state.state
    assert grant.external_account_id == hotel
    assert grant.hotel_ids == (hotel,)
    assert auth.is_connected(hotel)


async def test_connectivity_refuses_a_hotel_that_is_already_connected(auth: AuthHarness) -> None:
    """The takeover attack: start the flow for someone else's connected hotel (its id is
    public), skip the Extranet and return. "Connected" is no proof of anything: refused."""
    hotel = auth.unconnected_hotel()
    first, url = auth.connectivity.begin(uuid.uuid4(), CALLBACK, hotel, auth.now())
    await auth.connectivity.complete(first, await auth.request_connection(url))
    attacker, _ = auth.connectivity.begin(uuid.uuid4(), CALLBACK, hotel, auth.now())

    with pytest.raises(HotelAlreadyConnected, match="move-hotel"):
        await auth.connectivity.complete(attacker, {"state": attacker.state})
    # The same return a second time (a replayed return URL) is refused too.
    with pytest.raises(HotelAlreadyConnected):
        await auth.connectivity.complete(first, {"state": first.state, "outcome": "requested"})


async def test_connectivity_accepts_only_a_request_made_during_the_flow(
    auth: AuthHarness,
) -> None:
    """A request the hotel made before this flow started belongs to another flow (another
    organisation's, racing for the same public hotel id): refused, left pending for its own."""
    hotel = auth.unconnected_hotel()
    owner, url = auth.connectivity.begin(uuid.uuid4(), CALLBACK, hotel, auth.now())
    params = await auth.request_connection(url)
    late, _ = auth.connectivity.begin(
        uuid.uuid4(), CALLBACK, hotel, auth.now() + timedelta(minutes=5)
    )

    with pytest.raises(PermanentChannelError, match="before this"):
        await auth.connectivity.complete(late, {"state": late.state, "outcome": "requested"})
    assert not auth.is_connected(hotel)

    assert (await auth.connectivity.complete(owner, params)).hotel_ids == (hotel,)
    assert auth.is_connected(hotel)


async def test_connectivity_without_a_request_is_refused(auth: AuthHarness) -> None:
    hotel = auth.unconnected_hotel()
    state, _ = auth.connectivity.begin(uuid.uuid4(), CALLBACK, hotel, shifted_now())

    with pytest.raises(PermanentChannelError):
        await auth.connectivity.complete(state, {"state": state.state})

    assert not auth.is_connected(hotel)


async def test_connectivity_cancelled_in_the_extranet_is_refused(auth: AuthHarness) -> None:
    hotel = auth.unconnected_hotel()
    state, url = auth.connectivity.begin(uuid.uuid4(), CALLBACK, hotel, shifted_now())

    params = await auth.cancel_connection(url)

    with pytest.raises(PermanentChannelError):
        await auth.connectivity.complete(state, params)
    assert not auth.is_connected(hotel)
