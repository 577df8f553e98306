"""The ``oauth2`` authoriser: OAuth 2.0 authorization code with PKCE S256 (RFC 6749, 7636),
rotating refresh tokens and revocation (RFC 7009)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID

import httpx

from channel_manager.adapters.booking.errors import (
    AuthorizationDeniedError,
    AuthorizationFailedError,
    raise_for_status,
)
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.oauth2_tokens import OAuth2TokenSet
from channel_manager.adapters.booking.pkce import PkcePair, new_state
from channel_manager.domain.channel import ConnectionGrant
from channel_manager.domain.connection import AuthMode, AuthState
from channel_manager.ports.vault import Secret

#: How long a person has to approve at the authorisation page.
DEFAULT_STATE_TTL = timedelta(minutes=10)
DEFAULT_SCOPE = "properties reservations ari"


class OAuth2Authorizer:
    """``AuthorizationFlow`` for OAuth 2.0 authorization code + PKCE with a confidential client."""

    def __init__(
        self,
        http: BookingHttp,
        client_id: str,
        client_secret: Secret | None,
        *,
        scope: str | None = DEFAULT_SCOPE,
        state_ttl: timedelta = DEFAULT_STATE_TTL,
        clock: Callable[[], datetime],
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._state_ttl = state_ttl
        self._clock = clock

    def begin(
        self,
        organization_id: UUID,
        redirect_uri: str,
        hotel_id: str | None,
        now: datetime,
    ) -> tuple[AuthState, str]:
        """A fresh state with a PKCE verifier, and the authorisation page URL to redirect to."""
        pkce = PkcePair.generate()
        state = AuthState(
            state=new_state(),
            organization_id=organization_id,
            auth_mode=AuthMode.OAUTH2,
            code_verifier=pkce.verifier,
            redirect_uri=redirect_uri,
            hotel_id=hotel_id,
            created_at=now,
            expires_at=now + self._state_ttl,
        )
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "state": state.state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
        }
        if self._scope:
            query["scope"] = self._scope
        if hotel_id:
            query["hotel_id"] = hotel_id  # pre-selects the property on the consent page
        return state, f"{self._http.endpoints.oauth2_authorize_url}?{urlencode(query)}"

    async def complete(self, state: AuthState, params: Mapping[str, str]) -> ConnectionGrant:
        """Exchange the callback's ``code`` for tokens; the caller has consumed ``state``."""
        error = params.get("error")
        if error == "access_denied":
            raise AuthorizationDeniedError(
                "access was denied at the Booking.com authorisation page"
            )
        if error:
            detail = params.get("error_description") or error
            raise AuthorizationFailedError(f"authorisation failed: {detail}")
        if params.get("state", state.state) != state.state:
            raise AuthorizationFailedError("the callback's state does not match this authorisation")
        code = params.get("code")
        if not code:
            raise AuthorizationFailedError("the callback carried no authorisation code")
        data = await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": state.redirect_uri,
                "code_verifier": state.code_verifier,
            },
            "authorisation code exchange",
        )
        tokens = OAuth2TokenSet.from_token_response(data, self._clock())
        return ConnectionGrant(
            credentials=tokens.to_secret_text(),
            external_account_id=_text(data.get("account_id")),
            hotel_ids=_hotel_ids(data),
        )

    async def refresh(self, credentials: bytes) -> bytes:
        """The rotated token set (serialised) for the stored one."""
        tokens = OAuth2TokenSet.from_secret_text(credentials.decode("utf-8"))
        return (await self.refresh_tokens(tokens)).to_secret_text().encode("utf-8")

    async def refresh_tokens(self, tokens: OAuth2TokenSet) -> OAuth2TokenSet:
        """Use the refresh token; the answer rotates it (the old one stops working)."""
        if tokens.refresh_token is None:
            raise AuthorizationFailedError("no refresh token is stored; connect again")
        data = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
            "token refresh",
        )
        return OAuth2TokenSet.from_token_response(data, self._clock(), tokens.refresh_token)

    async def revoke(self, credentials: bytes) -> None:
        """Revoke the refresh token (which ends the grant); a 4xx means it was gone already."""
        tokens = OAuth2TokenSet.from_secret_text(credentials.decode("utf-8"))
        token, hint = (
            (tokens.refresh_token, "refresh_token")
            if tokens.refresh_token
            else (tokens.access_token, "access_token")
        )
        response = await self._http.request(
            "POST",
            self._http.endpoints.oauth2_revoke_url,
            message_type="OAuth2Revoke",
            data={"token": token, "token_type_hint": hint, **self._client_fields()},
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise_for_status(response, "token revocation")

    def _client_fields(self) -> dict[str, str]:
        fields = {"client_id": self._client_id}
        if self._client_secret is not None:
            fields["client_secret"] = self._client_secret.reveal_text()
        return fields

    async def _token_request(self, form: dict[str, str], what: str) -> dict[str, object]:
        response = await self._http.request(
            "POST",
            self._http.endpoints.oauth2_token_url,
            message_type="OAuth2Token",
            data={**form, **self._client_fields()},
        )
        data = _json_object(response)
        if response.status_code in (400, 401):
            # RFC 6749 section 5.2: invalid_grant, invalid_client ... are final for this grant.
            reason = _text(data.get("error_description")) or _text(data.get("error")) or "refused"
            raise AuthorizationFailedError(f"{what} refused: {reason}")
        raise_for_status(response, what)
        return data


def _json_object(response: httpx.Response) -> dict[str, object]:
    try:
        data = json.loads(response.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _hotel_ids(data: Mapping[str, object]) -> tuple[str, ...]:
    hotels = data.get("hotel_ids")
    if isinstance(hotels, list):
        return tuple(str(hotel) for hotel in hotels)
    return ()
