"""Authenticated calls to Booking.com: credentials attached, a 401 refreshed once and retried
once, and nothing else retried (each caller owns its own retry rule)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import httpx

from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.errors import CredentialsRejectedError
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.booking.tokens import RequestCredentials


class BookingApi:
    """One account's view of the Booking.com API over the shared :class:`BookingHttp`."""

    def __init__(
        self,
        http: BookingHttp,
        credentials: RequestCredentials,
        *,
        connection_id: UUID | None = None,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.connection_id = connection_id

    @property
    def endpoints(self) -> BookingEndpoints:
        """The endpoints of the shared client."""
        return self.http.endpoints

    async def send(
        self,
        method: str,
        url: str,
        *,
        message_type: str,
        content: bytes | None = None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with the account's credentials; on a 401 renew them once and resend once.

        Returns the response for any status but a final 401, which raises
        ``CredentialsRejectedError``. Transport failures raise retryable errors (see BookingHttp).
        """
        authorization = await self.credentials.authorization()
        response = await self._send(
            method, url, authorization, message_type, content, json, params, headers
        )
        if response.status_code != 401:
            return response
        if not await self.credentials.renew_after_rejection(authorization):
            raise CredentialsRejectedError(
                f"{method} {response.request.url.path}: credentials refused"
            )
        authorization = await self.credentials.authorization()
        response = await self._send(
            method, url, authorization, message_type, content, json, params, headers
        )
        if response.status_code == 401:
            raise CredentialsRejectedError(
                f"{method} {response.request.url.path}: credentials refused after a refresh"
            )
        return response

    async def _send(
        self,
        method: str,
        url: str,
        authorization: str,
        message_type: str,
        content: bytes | None,
        json: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        return await self.http.request(
            method,
            url,
            message_type=message_type,
            content=content,
            json=json,
            params=params,
            headers={**(headers or {}), "Authorization": authorization},
            connection_id=self.connection_id,
        )
