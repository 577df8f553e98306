"""Both authorisers (oauth2, booking-connectivity) of each implementation, with a stand-in for
the person in the browser: the fake's helper methods, or plain httpx against the sandbox's
consent and Extranet pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

import httpx

from booking_sandbox.model import ConnectionStatus
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.connectivity import BookingConnectivityAuthorizer
from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.oauth2 import OAuth2Authorizer
from channel_manager.adapters.booking.tokens import MachineAccountTokens
from channel_manager.adapters.memory.fake_authorizers import (
    FakeConnectivityAuthorizer,
    FakeOAuth2Authorizer,
)
from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.ports.channel import AuthorizationFlow
from channel_manager.ports.vault import Secret
from tests.support.clock import shifted_now

from .sandbox_harness import CLIENT_ID, CLIENT_SECRET

CALLBACK = "http://127.0.0.1:9/oauth/booking/callback"
#: The fake channel orders requests by its own counter; any fixed instant does for states.
FAKE_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
_HIDDEN = re.compile(r"<input type='hidden' name='([^']+)' value='([^']*)'>")
_CHECKED = re.compile(r"<input type='checkbox' name='hotel_id' value='([^']+)' checked>")


class AuthHarness(Protocol):
    """Authorisers of one implementation and the browser steps a person takes."""

    oauth2: AuthorizationFlow
    connectivity: AuthorizationFlow

    async def approve(self, url: str) -> dict[str, str]: ...
    async def deny(self, url: str) -> dict[str, str]: ...
    async def request_connection(self, url: str) -> dict[str, str]: ...
    async def cancel_connection(self, url: str) -> dict[str, str]: ...
    def unconnected_hotel(self) -> str: ...
    def is_connected(self, hotel_code: str) -> bool: ...
    def now(self) -> datetime: ...


class FakeAuthHarness:
    """The fake authorisers over one FakeChannel."""

    def __init__(self) -> None:
        self.channel = FakeChannel()
        self._oauth2 = FakeOAuth2Authorizer(self.channel)
        self._connectivity = FakeConnectivityAuthorizer(self.channel)
        self.oauth2: AuthorizationFlow = self._oauth2
        self.connectivity: AuthorizationFlow = self._connectivity
        self.channel.connected.add("1000001")

    async def approve(self, url: str) -> dict[str, str]:
        return self._oauth2.approve(url)

    async def deny(self, url: str) -> dict[str, str]:
        return self._oauth2.deny(url)

    async def request_connection(self, url: str) -> dict[str, str]:
        return self._connectivity.request_connection(url)

    async def cancel_connection(self, url: str) -> dict[str, str]:
        return self._connectivity.cancel_connection(url)

    def unconnected_hotel(self) -> str:
        return "1000002"

    def is_connected(self, hotel_code: str) -> bool:
        return hotel_code in self.channel.connected

    def now(self) -> datetime:
        return FAKE_NOW


def _callback_params(response: httpx.Response) -> dict[str, str]:
    """The query of the redirect back to us: what our callback endpoint would receive."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK)
    return dict(parse_qsl(urlsplit(location).query))


class SandboxAuthHarness:
    """The Booking.com authorisers against the sandbox; a plain httpx client plays the browser."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.http = BookingHttp(BookingEndpoints.single_host(server.base_url), clock=shifted_now)
        self.tokens = MachineAccountTokens(
            self.http, CLIENT_ID, Secret(CLIENT_SECRET), clock=shifted_now
        )
        self.oauth2: AuthorizationFlow = OAuth2Authorizer(
            self.http, CLIENT_ID, Secret(CLIENT_SECRET), clock=shifted_now
        )
        self.connectivity: AuthorizationFlow = BookingConnectivityAuthorizer(
            BookingApi(self.http, self.tokens), "channel-manager"
        )
        self.browser = httpx.AsyncClient(base_url=server.base_url, follow_redirects=False)

    async def aclose(self) -> None:
        await self.browser.aclose()
        await self.http.aclose()

    async def _consent(self, url: str, decision: str) -> dict[str, str]:
        page = await self.browser.get(url)
        assert page.status_code == 200, page.text
        form = dict(_HIDDEN.findall(page.text))
        hotels = _CHECKED.findall(page.text)
        fields: dict[str, str | list[str]] = {**form, "hotel_id": hotels, "decision": decision}
        return _callback_params(await self.browser.post("/oauth2/authorize", data=fields))

    async def approve(self, url: str) -> dict[str, str]:
        return await self._consent(url, "approve")

    async def deny(self, url: str) -> dict[str, str]:
        return await self._consent(url, "deny")

    async def _extranet(self, url: str, decision: str) -> dict[str, str]:
        page = await self.browser.get(url)
        assert page.status_code == 200, page.text
        form = dict(_HIDDEN.findall(page.text))
        response = await self.browser.post("/extranet/connect", data={**form, "decision": decision})
        return _callback_params(response)

    async def request_connection(self, url: str) -> dict[str, str]:
        return await self._extranet(url, "request")

    async def cancel_connection(self, url: str) -> dict[str, str]:
        return await self._extranet(url, "cancel")

    def unconnected_hotel(self) -> str:
        return next(
            code
            for code, connection in self.server.state.connections.items()
            if connection.status is ConnectionStatus.NOT_CONNECTED
        )

    def is_connected(self, hotel_code: str) -> bool:
        connection = self.server.state.connections[hotel_code]
        return connection.status is ConnectionStatus.CONNECTED

    def now(self) -> datetime:
        """The sandbox's time: the flow starts when the Extranet would say it did."""
        return self.server.state.clock.now()
