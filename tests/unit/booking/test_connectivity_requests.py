"""The booking-connectivity authoriser accepts only a request made during its flow.

A stand-in Connections API (httpx mock transport) answers with the pending requests and the
status the test sets, and counts accept calls: a refusal must never have accepted anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.connectivity import BookingConnectivityAuthorizer
from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.domain.connection import AuthState
from channel_manager.domain.errors import (
    DomainError,
    HotelAlreadyConnected,
    PermanentChannelError,
)
from tests.support.clock import shifted_now

STARTED = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
HOTEL = "1000003"
CALLBACK = "https://cm.test/oauth/booking/callback"


class StaticCredentials:
    """A machine account whose header never changes."""

    account_key = "machine"

    async def authorization(self) -> str:
        return "Bearer machine-jwt"

    async def renew_after_rejection(self, rejected: str) -> bool:
        return False


class ConnectionsApiStandIn:
    """Pending requests and a status for one hotel; accepting connects it."""

    def __init__(self, requested_at: object, status: str = "pending") -> None:
        self.requested_at = requested_at
        self.status = status
        self.accepted = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/accept"):
            self.accepted += 1
            self.status = "connected"
            return self._answer({"hotel_id": HOTEL, "status": "connected"})
        if path.endswith("/status"):
            return self._answer({"hotel_id": HOTEL, "status": self.status})
        pending = []
        if self.status == "pending":
            item: dict[str, object] = {"hotel_id": HOTEL, "status": "pending"}
            if self.requested_at is not None:
                item["requested_at"] = self.requested_at
            pending.append(item)
        return self._answer({"requests": pending})

    @staticmethod
    def _answer(data: object) -> httpx.Response:
        body = {"meta": {"ruid": "r"}, "warnings": [], "errors": [], "data": data}
        return httpx.Response(200, content=json.dumps(body).encode())


def _state() -> AuthState:
    authorizer = _authorizer(ConnectionsApiStandIn(None))[0]
    state, _ = authorizer.begin(UUID(int=1), CALLBACK, HOTEL, STARTED)
    return state


def _authorizer(
    api: ConnectionsApiStandIn,
) -> tuple[BookingConnectivityAuthorizer, BookingHttp]:
    http = BookingHttp(
        BookingEndpoints.single_host("https://booking.test"),
        transport=httpx.MockTransport(api),
        clock=shifted_now,
    )
    return BookingConnectivityAuthorizer(BookingApi(http, StaticCredentials()), "cm"), http


async def _complete(api: ConnectionsApiStandIn, params: dict[str, str] | None = None) -> object:
    authorizer, http = _authorizer(api)
    state = _state()
    try:
        return await authorizer.complete(state, params or {"state": state.state})
    finally:
        await http.aclose()


@pytest.mark.parametrize(
    "requested_at",
    [
        (STARTED + timedelta(minutes=2)).isoformat(),
        (STARTED + timedelta(minutes=2)).replace(tzinfo=None).isoformat(),  # naive: UTC
        (STARTED - timedelta(seconds=30)).isoformat(),  # Booking.com's clock a little behind
    ],
)
async def test_a_request_made_during_the_flow_is_accepted(requested_at: str) -> None:
    api = ConnectionsApiStandIn(requested_at)

    await _complete(api)

    assert api.accepted == 1


@pytest.mark.parametrize(
    "requested_at",
    [
        (STARTED - timedelta(minutes=5)).isoformat(),  # another flow's request
        None,  # no time given: nothing proves it is ours
        "yesterday",
    ],
)
async def test_a_request_not_shown_to_be_made_during_the_flow_is_refused(
    requested_at: str | None,
) -> None:
    api = ConnectionsApiStandIn(requested_at)

    with pytest.raises(PermanentChannelError, match="before this connection was started"):
        await _complete(api)

    assert api.accepted == 0


async def test_an_already_connected_hotel_is_refused_without_accepting() -> None:
    api = ConnectionsApiStandIn(None, status="connected")

    with pytest.raises(HotelAlreadyConnected, match="move-hotel"):
        await _complete(api)

    assert api.accepted == 0


async def test_a_return_for_another_hotel_is_refused() -> None:
    api = ConnectionsApiStandIn((STARTED + timedelta(minutes=1)).isoformat())
    state = _state()

    with pytest.raises(PermanentChannelError, match="started for 1000003"):
        await _complete(api, {"state": state.state, "hotel_id": "1000004"})

    assert api.accepted == 0


@pytest.mark.parametrize("typed", [" 1000003", "1000003 ", "01000003", "+1000003", "١٠٠٠٠٠٣"])
def test_a_property_id_has_one_spelling(typed: str) -> None:
    """The claim is keyed by the id: another spelling of a held hotel must not start a flow."""
    authorizer = _authorizer(ConnectionsApiStandIn(None))[0]

    with pytest.raises(DomainError, match="digits only"):
        authorizer.begin(UUID(int=1), CALLBACK, typed, STARTED)
