"""The ``booking-connectivity`` authoriser: the property requests a connection in the Extranet,
we accept it through the Connections API and confirm its status (BOOKING_CONNECTIVITY.md 1, 2).

Only a request made *during* the flow is accepted: the property id is typed by the caller and
public, so a hotel that already reads connected (for another of our organisations, or from
before) is no proof that the caller may manage it; neither is a request the hotel made before
the flow started (it may be another organisation's flow in progress).

The Connections API answers with a JSON envelope
``{"meta": {"ruid"}, "warnings": [], "errors": [], "data": {}}``; its errors become named
domain errors here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import attrs

from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.errors import (
    ChannelRequestRejectedError,
    ConnectionNotConfirmedError,
    ConnectionRequestMissingError,
    MalformedResponseError,
    ProviderNotCertifiedError,
    error_for_status,
)
from channel_manager.adapters.booking.pkce import new_state
from channel_manager.domain.channel import ConnectionGrant
from channel_manager.domain.connection import AuthMode, AuthState
from channel_manager.domain.errors import ChannelError, HotelAlreadyConnected, InvalidPropertyId

DEFAULT_STATE_TTL = timedelta(minutes=30)
#: How far Booking.com's clock may be behind ours when we compare a request's ``requested_at``
#: with the moment the flow started (the request is made after the flow starts).
DEFAULT_CLOCK_SKEW = timedelta(minutes=1)
#: Connections API error codes (BOOKING_CONNECTIVITY.md section 2).
REQUEST_NOT_FOUND = "635"
NOT_CERTIFIED = "497"
UNABLE_TO_PROCESS = "450"
#: A Booking.com property id (HotelCode): ASCII digits, no leading zero.
_PROPERTY_ID = re.compile(r"[1-9][0-9]{0,19}")


class HotelIdRequiredError(InvalidPropertyId):
    """The booking-connectivity flow needs the Booking.com property id to start."""


@attrs.frozen
class ConnectionsApiAnswer:
    """The ``data`` and ``warnings`` of a successful Connections API answer."""

    data: Any
    warnings: tuple[str, ...] = ()
    ruid: str | None = None


def _envelope(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError as error:
        raise MalformedResponseError("the Connections API answered with invalid JSON") from error
    if not isinstance(document, dict):
        raise MalformedResponseError("the Connections API answer is not a JSON object")
    return document


def _first_error(document: Mapping[str, Any]) -> tuple[str, str]:
    errors = document.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        message = first.get("message") or first.get("details") or first.get("description")
        return str(first.get("code", "")), str(message or "no description")
    return "", "no description"


def _warning_text(warning: object) -> str:
    if isinstance(warning, dict):
        return str(warning.get("message") or warning)
    return str(warning)


def _refusal(status: int, document: Mapping[str, Any]) -> ChannelError:
    """The named error of a Connections API refusal (4xx, or 200 with ``errors``)."""
    code, message = _first_error(document)
    if code == REQUEST_NOT_FOUND:
        return ConnectionRequestMissingError(code, message)
    if code == NOT_CERTIFIED:
        return ProviderNotCertifiedError(f"the provider is not certified: {message}")
    return ChannelRequestRejectedError(code or str(status), message, status_code=status)


class ConnectionsApi:
    """The few Connections API calls the authoriser needs, for the provider's machine account."""

    def __init__(self, api: BookingApi) -> None:
        self._api = api

    async def _call(self, method: str, url: str, message_type: str) -> ConnectionsApiAnswer:
        response = await self._api.send(method, url, message_type=message_type)
        if response.status_code >= 500 or response.status_code == 429:
            transient = error_for_status(response, "Connections API")
            assert transient is not None  # every 5xx and 429 has a retryable error
            raise transient
        document = _envelope(response.content)
        if response.status_code >= 400 or document.get("errors"):
            raise _refusal(response.status_code, document)
        meta = document.get("meta")
        return ConnectionsApiAnswer(
            data=document.get("data"),
            warnings=tuple(_warning_text(w) for w in document.get("warnings") or []),
            ruid=meta.get("ruid") if isinstance(meta, dict) else None,
        )

    async def pending_requests(self) -> list[dict[str, Any]]:
        """Every pending connection request (``data.requests`` or ``data`` as a list)."""
        answer = await self._call(
            "GET", self._api.endpoints.connection_requests_url, "ConnectionsApiRequests"
        )
        data = answer.data
        items = data.get("requests", []) if isinstance(data, dict) else data
        return [item for item in items or [] if isinstance(item, dict)]

    async def accept(self, hotel_id: str) -> ConnectionsApiAnswer:
        """Accept the pending request of ``hotel_id``."""
        return await self._call(
            "POST", self._api.endpoints.accept_connection_url(hotel_id), "ConnectionsApiAccept"
        )

    async def deactivate(self, hotel_id: str) -> ConnectionsApiAnswer:
        """End the connection of ``hotel_id`` (the provider's side of a disconnect)."""
        return await self._call(
            "POST",
            self._api.endpoints.deactivate_connection_url(hotel_id),
            "ConnectionsApiDeactivate",
        )

    async def status(self, hotel_id: str) -> str | None:
        """``data.status`` of the property's connection (``connected`` when active)."""
        answer = await self._call(
            "GET", self._api.endpoints.connection_status_url(hotel_id), "ConnectionsApiStatus"
        )
        data = answer.data
        status = data.get("status") if isinstance(data, dict) else None
        return str(status) if status is not None else None


class BookingConnectivityAuthorizer:
    """``AuthorizationFlow`` for Booking.com's real model: Extranet request, API accept.

    The machine account (``api``) does the accepting; a connection's own "credentials" are
    only a record of which property it covers, because the JWT belongs to the provider.
    """

    def __init__(
        self,
        api: BookingApi,
        provider_id: str,
        *,
        state_ttl: timedelta = DEFAULT_STATE_TTL,
        clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    ) -> None:
        self._connections = ConnectionsApi(api)
        self._clock_skew = clock_skew
        self._extranet_url = api.endpoints.extranet_connect_url
        self._provider_id = provider_id
        self._state_ttl = state_ttl

    def begin(
        self,
        organization_id: UUID,
        redirect_uri: str,
        hotel_id: str | None,
        now: datetime,
    ) -> tuple[AuthState, str]:
        """A state for ``hotel_id`` and the Extranet page URL that sends the user back to
        ``redirect_uri`` (with ``state`` added) once the request is made."""
        if not hotel_id:
            raise HotelIdRequiredError("enter the Booking.com property id to connect")
        if not _PROPERTY_ID.fullmatch(hotel_id):
            # One spelling per hotel: the claim that keeps a hotel with one organisation is
            # keyed by this id, so " 123", "0123" or "١٢٣" must not name the same hotel anew.
            raise HotelIdRequiredError(
                "a Booking.com property id is digits only, without leading zeros (e.g. 1234567)"
            )
        state = AuthState(
            state=new_state(),
            organization_id=organization_id,
            auth_mode=AuthMode.BOOKING_CONNECTIVITY,
            code_verifier="",  # no PKCE: nothing is exchanged on return, the API is asked
            redirect_uri=redirect_uri,
            hotel_id=hotel_id,
            created_at=now,
            expires_at=now + self._state_ttl,
        )
        separator = "&" if "?" in redirect_uri else "?"
        return_url = f"{redirect_uri}{separator}{urlencode({'state': state.state})}"
        query = {"hotel_id": hotel_id, "provider": self._provider_id, "return_url": return_url}
        return state, f"{self._extranet_url}?{urlencode(query)}"

    async def complete(self, state: AuthState, params: Mapping[str, str]) -> ConnectionGrant:
        """Accept the property's request made during this flow and confirm it reads connected.

        Refused: no request (or one cancelled in the Extranet), a request made before the flow
        started, and a property that is already connected (``HotelAlreadyConnected``).
        """
        refusal = params.get("error") or (
            params.get("outcome") if params.get("outcome") not in (None, "requested") else None
        )
        if refusal:
            raise ConnectionRequestMissingError(
                REQUEST_NOT_FOUND, f"the connection request was not made ({refusal})"
            )
        hotel_id = state.hotel_id
        if not hotel_id:
            raise HotelIdRequiredError("this authorisation has no Booking.com property id")
        returned_for = params.get("hotel_id")
        if returned_for is not None and returned_for != hotel_id:
            raise ConnectionRequestMissingError(
                REQUEST_NOT_FOUND,
                f"the Extranet returned for property {returned_for}, this connection was "
                f"started for {hotel_id}",
            )
        pending = [
            item
            for item in await self._connections.pending_requests()
            if _request_hotel(item) == hotel_id
        ]
        if not pending:
            if await self._connections.status(hotel_id) == "connected":
                raise HotelAlreadyConnected("Booking.com", hotel_id)
            raise ConnectionRequestMissingError(
                REQUEST_NOT_FOUND,
                f"property {hotel_id} has no pending connection request; "
                "request the connection in the Extranet first",
            )
        times = [when for when in map(_requested_at, pending) if when is not None]
        requested_at = max(times, default=None)
        if requested_at is None or requested_at < state.created_at - self._clock_skew:
            made = requested_at.isoformat() if requested_at else "at an unknown time"
            raise ConnectionRequestMissingError(
                REQUEST_NOT_FOUND,
                f"the pending connection request of property {hotel_id} was made {made}, "
                "before this connection was started; request the connection again in the "
                "Extranet from this connection",
            )
        await self._connections.accept(hotel_id)
        status = await self._connections.status(hotel_id)
        if status != "connected":
            raise ConnectionNotConfirmedError(
                "", f"property {hotel_id} reads {status or 'no status'} after accepting"
            )
        record = json.dumps({"mode": AuthMode.BOOKING_CONNECTIVITY.value, "hotel_id": hotel_id})
        return ConnectionGrant(
            credentials=record, external_account_id=hotel_id, hotel_ids=(hotel_id,)
        )

    async def refresh(self, credentials: bytes) -> bytes:
        """Nothing per connection expires: the machine-account JWT is refreshed on its own."""
        return credentials

    async def revoke(self, credentials: bytes) -> None:
        """End the connection through the Connections API; one that is no longer connected
        (400/450) is already what we want."""
        try:
            hotel_id = str(json.loads(credentials)["hotel_id"])
        except (ValueError, KeyError, TypeError):
            return  # not a record this authoriser wrote: nothing to deactivate
        try:
            await self._connections.deactivate(hotel_id)
        except ChannelRequestRejectedError as error:
            if error.code != UNABLE_TO_PROCESS:
                raise


def _request_hotel(item: Mapping[str, Any]) -> str | None:
    for key in ("hotel_id", "property_id", "hotel_code"):
        if item.get(key) is not None:
            return str(item[key])
    return None


def _requested_at(item: Mapping[str, Any]) -> datetime | None:
    """When the request was made (``requested_at``, ISO 8601; naive means UTC), if given."""
    value = item.get("requested_at")
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
