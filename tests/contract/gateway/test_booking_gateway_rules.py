"""Booking.com-specific rules the fake has no counterpart for: the machine-account token cache,
401 handling, acknowledgement retries, the polling cadence, the message log and oauth2
connections built by the factory. All against the sandbox over loopback HTTP."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from booking_sandbox.config import SandboxConfig
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.errors import (
    ChannelServerError,
    CredentialsRejectedError,
    TokenBudgetExhaustedError,
)
from channel_manager.adapters.booking.factory import BookingGatewayFactory
from channel_manager.adapters.booking.gateway import BookingChannelGateway
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.oauth2 import OAuth2Authorizer
from channel_manager.adapters.booking.reservation_queue import AccountCadence
from channel_manager.adapters.booking.tokens import BasicCredentials, MachineAccountTokens
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import ChannelAuthError, RetryableChannelError
from channel_manager.domain.messages import MessageDirection
from channel_manager.ports.vault import Secret
from tests.support.clock import shifted_now

from .auth_harness import CALLBACK, SandboxAuthHarness
from .sandbox_harness import CLIENT_ID, CLIENT_SECRET, RecordingSink, SandboxHarness

EXCHANGE_PATH = "/token-based-authentication/exchange"


def exchanges(server: SandboxServer) -> int:
    return sum(1 for r in server.state.requests if r.path == EXCHANGE_PATH)


@pytest.fixture
async def booking_with(request: pytest.FixtureRequest) -> AsyncIterator[SandboxHarness]:
    """Like ``booking`` but with the SandboxConfig given by ``indirect`` parametrisation."""
    config: SandboxConfig = getattr(request, "param", SandboxConfig())
    with SandboxServer(seed=11, config=config) as server:
        harness = SandboxHarness(server, ack_attempts=3)
        yield harness
        await harness.aclose()


async def _list(harness: SandboxHarness) -> list[str]:
    return [p.hotel_code async for p in harness.gateway.list_properties()]


# -- machine-account token --------------------------------------------------------------------
async def test_one_token_serves_many_calls(booking: SandboxHarness) -> None:
    hotel = (await _list(booking))[0]
    await booking.gateway.get_catalog(hotel)
    await _list(booking)

    assert exchanges(booking.server) == 1
    assert booking.tokens.exchanges_in_last_hour == 1


async def test_concurrent_callers_share_one_exchange(booking: SandboxHarness) -> None:
    tokens = await asyncio.gather(*(booking.tokens.token() for _ in range(10)))

    assert len(set(tokens)) == 1
    assert exchanges(booking.server) == 1


async def test_token_is_renewed_shortly_before_it_expires(sandbox_server: SandboxServer) -> None:
    now = [shifted_now()]
    http = BookingHttp(BookingEndpoints.single_host(sandbox_server.base_url), clock=shifted_now)
    tokens = MachineAccountTokens(http, CLIENT_ID, Secret(CLIENT_SECRET), clock=lambda: now[0])
    first = await tokens.token()
    now[0] += timedelta(minutes=50)
    still = await tokens.token()
    now[0] += timedelta(minutes=6)  # within five minutes of the one-hour expiry
    renewed = await tokens.token()
    await http.aclose()

    assert first == still != renewed
    assert exchanges(sandbox_server) == 2


async def test_the_hourly_cap_is_kept_locally(sandbox_server: SandboxServer) -> None:
    http = BookingHttp(BookingEndpoints.single_host(sandbox_server.base_url), clock=shifted_now)
    tokens = MachineAccountTokens(
        http, CLIENT_ID, Secret(CLIENT_SECRET), max_per_hour=2, clock=shifted_now
    )
    await tokens.token()
    await tokens.renew_after_rejection(await tokens.authorization())

    with pytest.raises(TokenBudgetExhaustedError) as raised:
        await tokens.renew_after_rejection(await tokens.authorization())
    await http.aclose()

    assert exchanges(sandbox_server) == 2  # the third was never asked for
    assert raised.value.retry_after is not None
    assert timedelta(minutes=59) < raised.value.retry_after <= timedelta(hours=1)


@pytest.mark.parametrize("booking_with", [SandboxConfig(tokens_per_hour=1)], indirect=True)
async def test_the_channels_own_cap_is_a_named_retryable_error(
    booking_with: SandboxHarness,
) -> None:
    await booking_with.tokens.token()

    with pytest.raises(TokenBudgetExhaustedError) as raised:
        await booking_with.tokens.renew_after_rejection(await booking_with.tokens.authorization())

    assert isinstance(raised.value, RetryableChannelError)


def _skewed_tokens(server: SandboxServer, http: BookingHttp) -> MachineAccountTokens:
    """Tokens whose clock runs an hour late: the cache believes in JWTs Booking.com has
    already expired, which is what makes a real 401 happen (clock skew, early revocation)."""
    return MachineAccountTokens(
        http,
        CLIENT_ID,
        Secret(CLIENT_SECRET),
        clock=lambda: shifted_now() - timedelta(hours=1),
    )


#: JWTs live 2 s (``exp`` is whole seconds, so at least 1 s): enough for one call.
SHORT_LIVED = SandboxConfig(token_ttl_seconds=2)
#: How far the sandbox's clock moves for its JWTs to expire (no waiting: it checks them
#: against its own clock).
OUTLIVE = 2.2


async def test_a_401_refreshes_the_token_once_and_retries_once() -> None:
    with SandboxServer(seed=11, config=SHORT_LIVED) as server:
        sink = RecordingSink()
        http = BookingHttp(
            BookingEndpoints.single_host(server.base_url), sink=sink, clock=shifted_now
        )
        gateway = BookingChannelGateway(
            BookingApi(http, _skewed_tokens(server, http)),
            AccountCadence(0),
            connection_id=uuid.uuid4(),
            clock=shifted_now,
        )
        first = [p.hotel_code async for p in gateway.list_properties()]
        server.state.clock.advance(OUTLIVE)  # the JWT expires at Booking.com, not in our cache
        second = [p.hotel_code async for p in gateway.list_properties()]
        await http.aclose()

        assert first == second
        assert exchanges(server) == 2
        statuses = [r.status for r in sink.records if r.direction is MessageDirection.INBOUND]
        assert statuses.count(401) == 1


async def test_a_401_after_the_refresh_is_an_auth_error() -> None:
    with SandboxServer(seed=11, config=SHORT_LIVED) as server:
        http = BookingHttp(BookingEndpoints.single_host(server.base_url), clock=shifted_now)
        tokens = _skewed_tokens(server, http)
        renew = tokens.renew_after_rejection
        renewals: list[str] = []

        async def renew_then_let_it_expire(rejected: str) -> bool:
            renewals.append(rejected)
            renewed = await renew(rejected)
            server.state.clock.advance(OUTLIVE)  # the fresh JWT expires before the retry arrives
            return renewed

        tokens.renew_after_rejection = renew_then_let_it_expire  # type: ignore[method-assign]
        gateway = BookingChannelGateway(
            BookingApi(http, tokens),
            AccountCadence(0),
            connection_id=uuid.uuid4(),
            clock=shifted_now,
        )
        await tokens.token()
        server.state.clock.advance(OUTLIVE)

        with pytest.raises(ChannelAuthError):
            await gateway.get_catalog("1")
        await http.aclose()

        assert len(renewals) == 1  # refreshed once, retried once, then gave up
        assert exchanges(server) == 2


@pytest.mark.parametrize("basic_allowed", [True, False])
async def test_legacy_basic_credentials_are_a_fallback(basic_allowed: bool) -> None:
    config = SandboxConfig(allow_basic_auth=basic_allowed)
    with SandboxServer(seed=11, config=config) as server:
        http = BookingHttp(BookingEndpoints.single_host(server.base_url), clock=shifted_now)
        account = config.machine_accounts[0]
        basic = BasicCredentials(account.username, Secret(account.password))
        gateway = BookingChannelGateway(
            BookingApi(http, basic),
            AccountCadence(0),
            connection_id=uuid.uuid4(),
            clock=shifted_now,
        )
        try:
            if basic_allowed:
                assert [p async for p in gateway.list_properties()]
            else:
                with pytest.raises(CredentialsRejectedError):
                    [p async for p in gateway.list_properties()]
        finally:
            await http.aclose()
        assert exchanges(server) == 0


# -- reservations: acknowledgement retries and cadence ---------------------------------------
async def test_an_acknowledgement_answered_5xx_is_retried_until_it_is_not(
    booking_with: SandboxHarness,
) -> None:
    hotel = (await _list(booking_with))[0]
    reservation_id = await booking_with.book(hotel)
    served = [m async for m in booking_with.gateway.fetch_reservations()]
    booking_with.server.faults.inject("/hotels/ota/OTA_HotelResNotif", "5xx", count=2)

    await booking_with.gateway.acknowledge(served)

    posts = [
        r
        for r in booking_with.server.state.requests
        if r.method == "POST" and r.path == "/hotels/ota/OTA_HotelResNotif"
    ]
    assert len(posts) == 3
    assert reservation_id not in {
        m.reservation.external_id async for m in booking_with.gateway.fetch_reservations()
    }


async def test_acknowledgement_retries_are_bounded(booking_with: SandboxHarness) -> None:
    await booking_with.book((await _list(booking_with))[0])
    served = [m async for m in booking_with.gateway.fetch_reservations()]
    booking_with.server.faults.inject("/hotels/ota/OTA_HotelResNotif", "5xx", count=10)

    with pytest.raises(ChannelServerError):
        await booking_with.gateway.acknowledge(served)

    posts = [
        r
        for r in booking_with.server.state.requests
        if r.method == "POST" and r.path == "/hotels/ota/OTA_HotelResNotif"
    ]
    assert len(posts) == 3  # ack_attempts of the harness


async def test_the_next_fetch_waits_the_pause_after_an_acknowledgement(
    booking: SandboxHarness,
) -> None:
    booking.cadence.ack_pause = 0.5
    await booking.book((await _list(booking))[0])
    served = [m async for m in booking.gateway.fetch_reservations()]
    await booking.gateway.acknowledge(served)

    started = time.monotonic()
    [m async for m in booking.gateway.fetch_reservations()]

    assert time.monotonic() - started >= 0.45


async def test_reservation_calls_of_one_account_never_overlap(booking: SandboxHarness) -> None:
    booking.server.faults.inject("/hotels/ota/OTA_HotelRes*", "latency", count=4, delay=0.3)

    async def fetch_all() -> None:
        [m async for m in booking.gateway.fetch_reservations()]

    started = time.monotonic()
    await asyncio.gather(fetch_all(), fetch_all())

    # four GETs of 0.3 s each, one after the other
    assert time.monotonic() - started >= 1.15


# -- the message log --------------------------------------------------------------------------
async def test_card_data_and_secrets_never_reach_the_message_log(booking: SandboxHarness) -> None:
    hotel = (await _list(booking))[0]
    card = booking.server.state.generate("new", hotel).card
    [m async for m in booking.gateway.fetch_reservations()]

    bodies = "\n".join(record.body for record in booking.sink.records)
    fetched = [
        r
        for r in booking.sink.records
        if r.message_type == "OTA_HotelResNotifRQ" and r.direction is MessageDirection.INBOUND
    ]
    assert card.number not in bodies
    assert card.number.replace(" ", "") not in bodies.replace(" ", "")
    assert f'SeriesCode="{card.series_code}"' not in bodies
    assert CLIENT_SECRET not in bodies
    assert (await booking.tokens.token()) not in bodies
    assert fetched
    assert fetched[0].ruid
    assert "***" in fetched[0].body


async def test_every_request_and_response_is_logged_with_its_status(
    booking: SandboxHarness,
) -> None:
    await _list(booking)

    kinds = [(r.direction, r.message_type, r.status) for r in booking.sink.records]
    assert (MessageDirection.OUTBOUND, "OTA_HotelSearchRQ", None) in kinds
    assert (MessageDirection.INBOUND, "OTA_HotelSearchRQ", 200) in kinds
    assert all(r.at.tzinfo is not None for r in booking.sink.records)


# -- oauth2 connections through the factory ---------------------------------------------------
class DictCredentialStore:
    def __init__(self) -> None:
        self.saved: dict[str, bytes] = {}

    def load(self, ref: str) -> bytes:
        return self.saved[ref]

    def save(self, ref: str, material: bytes) -> None:
        self.saved[ref] = material

    def take_lease(self, ref: str, owner: str, now: datetime, until: datetime) -> bool:
        return True  # one process: the in-process lock is all there is to test here

    def release_lease(self, ref: str, owner: str) -> None:
        pass


async def test_an_oauth2_connection_sees_its_hotels_and_keeps_rotated_tokens() -> None:
    # Access tokens that live one second are always due: every call refreshes (and rotates).
    config = SandboxConfig(oauth_access_ttl_seconds=1)
    with SandboxServer(seed=11, config=config) as sandbox_server:
        await _oauth2_connection_round_trip(sandbox_server)


async def _oauth2_connection_round_trip(sandbox_server: SandboxServer) -> None:
    auth = SandboxAuthHarness(sandbox_server)
    hotel = auth.unconnected_hotel()
    state, url = auth.oauth2.begin(uuid.uuid4(), CALLBACK, hotel, shifted_now())
    grant = await auth.oauth2.complete(state, await auth.approve(url))
    store = DictCredentialStore()
    store.save("connection:x", grant.credentials)
    http = BookingHttp(BookingEndpoints.single_host(sandbox_server.base_url), clock=shifted_now)
    factory = BookingGatewayFactory(
        http,
        oauth2=OAuth2Authorizer(http, CLIENT_ID, Secret(CLIENT_SECRET), clock=shifted_now),
        clock=shifted_now,
        credential_store=store,
        ack_pause=0,
    )
    connection = Connection(
        id=uuid.uuid4(),
        organization_id=state.organization_id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        credential_ref="connection:x",
        created_at=shifted_now(),
    )
    gateway = factory.for_connection(connection)

    before = [p.hotel_code async for p in gateway.list_properties()]
    after = [p.hotel_code async for p in gateway.list_properties()]
    await http.aclose()
    await auth.aclose()

    assert grant.hotel_ids == (hotel,)
    assert before == after == [hotel]
    assert store.saved["connection:x"] != grant.credentials  # the rotation was kept
