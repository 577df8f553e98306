"""Fake ``AuthorizationFlow``s over a :class:`FakeChannel`: OAuth 2.0 with PKCE and rotating
refresh tokens, and the booking-connectivity request-and-accept flow.

Each offers the step a person would take in a browser (``approve``/``deny``,
``request_connection``) so tests can run the whole redirect-and-return flow in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

from channel_manager.adapters.memory.gateway import FakeChannel
from channel_manager.domain.channel import ConnectionGrant
from channel_manager.domain.connection import AuthMode, AuthState
from channel_manager.domain.errors import (
    ChannelAuthError,
    HotelAlreadyConnected,
    InvalidPropertyId,
    PermanentChannelError,
)

_FAKE_HOST = "https://fake-channel.invalid"
_STATE_TTL = timedelta(minutes=10)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _new_state(
    organization_id: UUID,
    mode: AuthMode,
    redirect_uri: str,
    hotel_id: str | None,
    now: datetime,
    verifier: str,
) -> AuthState:
    return AuthState(
        state=secrets.token_urlsafe(16),
        organization_id=organization_id,
        auth_mode=mode,
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        hotel_id=hotel_id,
        created_at=now,
        expires_at=now + _STATE_TTL,
    )


class FakeOAuth2Authorizer:
    """``AuthorizationFlow`` with PKCE and rotating refresh tokens, all in memory.

    ``approve(url)`` / ``deny(url)`` play the person at the authorisation page and return the
    callback's query parameters.
    """

    def __init__(self, channel: FakeChannel) -> None:
        self.channel = channel
        self._chosen: dict[str, tuple[str, ...]] = {}  # code -> the hotels approved

    def begin(
        self, organization_id: UUID, redirect_uri: str, hotel_id: str | None, now: datetime
    ) -> tuple[AuthState, str]:
        """A state with a PKCE verifier and the fake authorisation URL."""
        state = _new_state(
            organization_id, AuthMode.OAUTH2, redirect_uri, hotel_id, now, secrets.token_urlsafe(48)
        )
        query = {
            "state": state.state,
            "redirect_uri": redirect_uri,
            "code_challenge": _s256(state.code_verifier),
            "code_challenge_method": "S256",
        }
        return state, f"{_FAKE_HOST}/oauth2/authorize?{urlencode(query)}"

    def approve(self, url: str, hotel_ids: Iterable[str] | None = None) -> dict[str, str]:
        """Approve at the page (for ``hotel_ids``, by default every connected hotel): a code
        bound to the challenge and redirect URI."""
        query = _query(url)
        code = secrets.token_urlsafe(16)
        self.channel.oauth_codes[code] = (query["code_challenge"], query["redirect_uri"])
        if hotel_ids is not None:
            self._chosen[code] = tuple(hotel_ids)
        return {"code": code, "state": query["state"]}

    def deny(self, url: str) -> dict[str, str]:
        """Deny at the page."""
        return {"error": "access_denied", "state": _query(url)["state"]}

    async def complete(self, state: AuthState, params: Mapping[str, str]) -> ConnectionGrant:
        """Check the code and PKCE verifier; issue an access and a refresh token."""
        if params.get("error"):
            raise ChannelAuthError(f"authorisation refused: {params['error']}")
        code = params.get("code", "")
        issued = self.channel.oauth_codes.pop(code, None)
        if issued is None or issued != (_s256(state.code_verifier), state.redirect_uri):
            raise ChannelAuthError("the authorisation code is unknown, used or not ours")
        hotels = self._chosen.pop(code, None)
        return ConnectionGrant(
            credentials=self._issue(),
            hotel_ids=tuple(self.channel.connected) if hotels is None else hotels,
        )

    async def refresh(self, credentials: bytes) -> bytes:
        """Rotate: the presented refresh token stops working."""
        token = credentials.decode().partition(" ")[2]
        if not self.channel.refresh_tokens.get(token):
            raise ChannelAuthError("refresh token was already used or revoked")
        self.channel.refresh_tokens[token] = False
        return self._issue().encode()

    async def revoke(self, credentials: bytes) -> None:
        """Forget the refresh token."""
        self.channel.refresh_tokens[credentials.decode().partition(" ")[2]] = False

    def _issue(self) -> str:
        refresh_token = secrets.token_urlsafe(16)
        self.channel.refresh_tokens[refresh_token] = True
        return f"{secrets.token_urlsafe(16)} {refresh_token}"


class HotelIdMissingError(InvalidPropertyId):
    """The fake booking-connectivity flow was started without a property id."""


class FakeConnectivityAuthorizer:
    """``AuthorizationFlow`` of the booking-connectivity kind over a :class:`FakeChannel`;
    ``request_connection(url)`` plays the property asking in the Extranet."""

    def __init__(self, channel: FakeChannel, provider_id: str = "channel-manager") -> None:
        self.channel = channel
        self.provider_id = provider_id
        #: state -> when the flow started, on the channel's tick counter: only a request made
        #: after that is accepted (Booking.com's ``requested_at`` against ``created_at``).
        self._started: dict[str, int] = {}

    def begin(
        self, organization_id: UUID, redirect_uri: str, hotel_id: str | None, now: datetime
    ) -> tuple[AuthState, str]:
        """A state for the hotel and the fake Extranet URL."""
        if not hotel_id:
            raise HotelIdMissingError("enter the property id to connect")
        state = _new_state(
            organization_id, AuthMode.BOOKING_CONNECTIVITY, redirect_uri, hotel_id, now, ""
        )
        self._started[state.state] = next(self.channel.ticks)
        return_url = f"{redirect_uri}?{urlencode({'state': state.state})}"
        query = {"hotel_id": hotel_id, "provider": self.provider_id, "return_url": return_url}
        return state, f"{_FAKE_HOST}/extranet/connect?{urlencode(query)}"

    def request_connection(self, url: str) -> dict[str, str]:
        """The property requests the connection; returns the return URL's query."""
        query = _query(url)
        if query["hotel_id"] not in self.channel.connected:
            self.channel.requested[query["hotel_id"]] = next(self.channel.ticks)
        return {
            **_query(query["return_url"]),
            "hotel_id": query["hotel_id"],
            "outcome": "requested",
        }

    def cancel_connection(self, url: str) -> dict[str, str]:
        """The property declines to request the connection."""
        query = _query(url)
        return {
            **_query(query["return_url"]),
            "hotel_id": query["hotel_id"],
            "outcome": "cancelled",
        }

    async def complete(self, state: AuthState, params: Mapping[str, str]) -> ConnectionGrant:
        """Accept the request made during this flow; refuse a hotel already connected."""
        hotel_id = state.hotel_id or ""
        if params.get("error") or params.get("outcome", "requested") != "requested":
            raise PermanentChannelError("635", f"no pending connection request for {hotel_id}")
        requested = self.channel.requested.get(hotel_id)
        if requested is None:
            if hotel_id in self.channel.connected:
                raise HotelAlreadyConnected("fake", hotel_id)
            raise PermanentChannelError("635", f"no pending connection request for {hotel_id}")
        if requested < self._started.get(state.state, requested + 1):
            raise PermanentChannelError(
                "635", f"the connection request for {hotel_id} was made before this flow"
            )
        del self.channel.requested[hotel_id]
        self.channel.connected.add(hotel_id)
        return ConnectionGrant(
            credentials=f"booking-connectivity {hotel_id}",
            external_account_id=hotel_id,
            hotel_ids=(hotel_id,),
        )

    async def refresh(self, credentials: bytes) -> bytes:
        """Nothing expires per connection."""
        return credentials

    async def revoke(self, credentials: bytes) -> None:
        """End the hotel's connection, as the Connections API's deactivate does (the record
        is ours, or the JSON one an operator's ``move-hotel`` writes)."""
        text = credentials.decode()
        if text.startswith("{"):
            hotel_id = str(json.loads(text).get("hotel_id", ""))
        else:
            kind, _, hotel_id = text.partition(" ")
            hotel_id = hotel_id if kind == "booking-connectivity" else ""
        self.channel.connected.discard(hotel_id)
