"""Every gateway of one ``oauth2`` connection shares one token set in the process.

The authorisation server rotates refresh tokens: the old one stops working once used. Two
gateways of the same connection (the worker's poll and the outbound dispatcher, say) that each
kept their own copy would both refresh an expiring token, and the second refresh would use the
already-rotated token and fail, breaking a healthy connection.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs
from uuid import UUID

import httpx

from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.factory import BookingGatewayFactory
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.oauth2 import OAuth2Authorizer
from channel_manager.adapters.booking.oauth2_tokens import OAuth2BearerCredentials, OAuth2TokenSet
from channel_manager.domain.ari import AvailRange, AvailRequest
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from tests.support.clock import shifted_now

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)
SUCCESS = (
    b'<OTA_HotelAvailNotifRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0">'
    b"<Success/></OTA_HotelAvailNotifRS>"
)


class RotatingAuthServer:
    """Token endpoint that rotates refresh tokens, and an ARI endpoint checking the bearer."""

    def __init__(self) -> None:
        self.valid_refresh = "refresh-1"
        self.valid_access = "access-0"
        self.refreshes = 0
        self.rejected_refreshes = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            form = parse_qs(request.content.decode())
            await asyncio.sleep(0.01)  # network latency: a concurrent caller runs meanwhile
            if form["refresh_token"] != [self.valid_refresh]:
                self.rejected_refreshes += 1
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.refreshes += 1
            self.valid_refresh = f"refresh-{self.refreshes + 1}"
            self.valid_access = f"access-{self.refreshes}"
            return httpx.Response(
                200,
                json={
                    "access_token": self.valid_access,
                    "refresh_token": self.valid_refresh,
                    "expires_in": 3600,
                },
            )
        if request.headers.get("Authorization") != f"Bearer {self.valid_access}":
            return httpx.Response(401)
        return httpx.Response(200, content=SUCCESS)


class DictCredentialStore:
    """The credential store as a dict of plaintext (the vault is not under test here)."""

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


def _request() -> AvailRequest:
    item = AvailRange(
        room_type_code="101", start=date(2027, 2, 1), end=date(2027, 2, 2), booking_limit=3
    )
    return AvailRequest(hotel_code="1000001", month=date(2027, 2, 1), items=(item,))


async def test_two_gateways_of_one_connection_refresh_the_token_once() -> None:
    server = RotatingAuthServer()
    http = BookingHttp(
        BookingEndpoints.single_host("https://booking.test"),
        transport=httpx.MockTransport(server),
        clock=shifted_now,
    )
    store = DictCredentialStore()
    expired = OAuth2TokenSet(
        access_token="access-0",
        refresh_token="refresh-1",
        expires_at=shifted_now() - timedelta(hours=1),
    )
    store.save("vault:conn", expired.to_secret_text().encode())
    factory = BookingGatewayFactory(
        http,
        oauth2=OAuth2Authorizer(http, "client", None, clock=shifted_now),
        credential_store=store,
        clock=shifted_now,
    )
    connection = Connection(
        id=UUID(int=7),
        organization_id=UUID(int=1),
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="vault:conn",
        created_at=NOW,
    )
    poller, dispatcher = factory.for_connection(connection), factory.for_connection(connection)
    try:
        outcomes = await asyncio.gather(
            poller.push_availability(_request()), dispatcher.push_availability(_request())
        )
    finally:
        await http.aclose()

    assert [outcome.success for outcome in outcomes] == [True, True]
    assert (server.refreshes, server.rejected_refreshes) == (1, 0)
    stored = OAuth2TokenSet.from_secret_text(store.load("vault:conn").decode())
    assert stored.refresh_token == server.valid_refresh


class CountingRefresher:
    """A refresher that must not be needed."""

    def __init__(self) -> None:
        self.calls = 0

    async def refresh_tokens(self, tokens: OAuth2TokenSet) -> OAuth2TokenSet:
        self.calls += 1
        return tokens


async def test_a_token_set_another_process_refreshed_is_adopted_not_refreshed_again() -> None:
    now = shifted_now()
    stored = {
        "tokens": OAuth2TokenSet(
            access_token="old", refresh_token="r1", expires_at=now + timedelta(hours=1)
        )
    }

    async def load() -> OAuth2TokenSet:
        return stored["tokens"]

    refresher = CountingRefresher()
    credentials = OAuth2BearerCredentials("oauth2:c", load, refresher, clock=shifted_now)
    assert await credentials.authorization() == "Bearer old"
    # Another worker process refreshed and sealed the rotated set meanwhile.
    stored["tokens"] = OAuth2TokenSet(
        access_token="new", refresh_token="r2", expires_at=now + timedelta(hours=1)
    )

    assert await credentials.renew_after_rejection("Bearer old")
    assert await credentials.authorization() == "Bearer new"
    assert refresher.calls == 0
