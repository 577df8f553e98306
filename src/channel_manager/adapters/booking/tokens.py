"""Machine-account credentials: the cached token-exchange JWT, and legacy Basic as a fallback.

Booking.com allows at most 30 token exchanges per hour per machine account and a JWT lasts an
hour, so one JWT is cached per account and shared by every caller; an ``asyncio.Lock`` makes
concurrent callers wait for one exchange instead of starting their own.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import jwt

from channel_manager.adapters.booking.errors import (
    CredentialsRejectedError,
    MalformedResponseError,
    TokenBudgetExhaustedError,
    raise_for_status,
)
from channel_manager.adapters.booking.http import BookingHttp
from channel_manager.adapters.retry_after import retry_after
from channel_manager.ports.vault import Secret

#: Booking.com's documented cap on token exchanges per machine account.
TOKENS_PER_HOUR = 30
_WINDOW = timedelta(hours=1)
#: Refresh this long before ``exp`` so a token never expires in flight.
DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
#: Used when a JWT carries no readable ``exp`` (documented lifetime: one hour).
_DEFAULT_LIFETIME = timedelta(hours=1)


class RequestCredentials(Protocol):
    """What an API call needs from the account it runs as."""

    @property
    def account_key(self) -> str:
        """Identifies the account, so per-account rules (no concurrent polls) can be kept."""
        ...

    async def authorization(self) -> str:
        """The ``Authorization`` header value to send now."""
        ...

    async def renew_after_rejection(self, rejected: str) -> bool:
        """Called after a 401 for header ``rejected``; True when a fresh credential is ready
        for exactly one retry, False when there is nothing to renew."""
        ...


class MachineAccountTokens:
    """The token-exchange JWT of one machine account, cached until shortly before ``exp``."""

    def __init__(
        self,
        http: BookingHttp,
        client_id: str,
        client_secret: Secret,
        *,
        max_per_hour: int = TOKENS_PER_HOUR,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], datetime],
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._max_per_hour = max_per_hour
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self._exchanged_at: deque[datetime] = deque()

    @property
    def account_key(self) -> str:
        """The machine account's client id."""
        return f"machine:{self._client_id}"

    @property
    def exchanges_in_last_hour(self) -> int:
        """How many tokens this process obtained in the last hour."""
        self._forget_old_exchanges(self._clock())
        return len(self._exchanged_at)

    async def authorization(self) -> str:
        """``Bearer <jwt>``, exchanging a new JWT only when the cached one is about to expire."""
        return f"Bearer {await self.token()}"

    async def token(self) -> str:
        """The current JWT (see :meth:`authorization`)."""
        async with self._lock:
            if self._token is None or self._is_due(self._clock()):
                await self._exchange()
            assert self._token is not None  # set by _exchange or it raised
            return self._token

    async def renew_after_rejection(self, rejected: str) -> bool:
        """Exchange a new JWT after a 401, unless another caller already did."""
        async with self._lock:
            if self._token is not None and rejected != f"Bearer {self._token}":
                return True  # someone else refreshed while this request was in flight
            self._token = None
            await self._exchange()
            return True

    def _is_due(self, now: datetime) -> bool:
        return self._expires_at is None or now >= self._expires_at - self._refresh_margin

    def _forget_old_exchanges(self, now: datetime) -> None:
        while self._exchanged_at and now - self._exchanged_at[0] >= _WINDOW:
            self._exchanged_at.popleft()

    async def _exchange(self) -> None:
        now = self._clock()
        self._forget_old_exchanges(now)
        if len(self._exchanged_at) >= self._max_per_hour:
            wait = self._exchanged_at[0] + _WINDOW - now
            raise TokenBudgetExhaustedError(
                f"machine account {self._client_id} already obtained {self._max_per_hour} "
                "tokens in the last hour; refusing to exceed Booking.com's cap",
                retry_after=wait,
            )
        self._exchanged_at.append(now)
        response = await self._http.request(
            "POST",
            self._http.endpoints.token_url,
            message_type="TokenExchange",
            json={"client_id": self._client_id, "client_secret": self._client_secret.reveal_text()},
        )
        if response.status_code in (401, 403):
            raise CredentialsRejectedError(
                f"Booking.com refused the machine account {self._client_id} "
                f"(token exchange answered {response.status_code})"
            )
        if response.status_code == 429:
            # Booking.com counted more exchanges than we did (another process shares the
            # account): same meaning as our own cap.
            raise TokenBudgetExhaustedError(
                f"Booking.com refused another token for {self._client_id}: hourly cap reached",
                retry_after=retry_after(response.headers) or _WINDOW,
            )
        raise_for_status(response, "token exchange")
        self._token, self._expires_at = _read_exchange(response.content, now)


def _read_exchange(body: bytes, now: datetime) -> tuple[str, datetime]:
    """The JWT and its expiry from a token-exchange answer ``{"jwt": ..., "ruid": ...}``."""
    try:
        token = json.loads(body)["jwt"]
    except (ValueError, KeyError, TypeError) as error:
        raise MalformedResponseError("token exchange answer has no jwt") from error
    if not isinstance(token, str) or not token:
        raise MalformedResponseError("token exchange answer has an empty jwt")
    return token, _expiry_of(token, now)


def _expiry_of(token: str, now: datetime) -> datetime:
    """``exp`` of a JWT, read without verifying the signature (Booking.com verifies it; we only
    need to know when to ask for the next one)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return now + _DEFAULT_LIFETIME
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return now + _DEFAULT_LIFETIME
    return datetime.fromtimestamp(exp, tz=now.tzinfo)


class BasicCredentials:
    """Legacy machine-account username and password (HTTP Basic), a configured fallback for
    accounts that cannot use token exchange yet. Nothing to renew on a 401."""

    def __init__(self, username: str, password: Secret) -> None:
        self._username = username
        self._password = password

    @property
    def account_key(self) -> str:
        """The machine account's username."""
        return f"machine:{self._username}"

    async def authorization(self) -> str:
        """``Basic base64(username:password)``."""
        pair = f"{self._username}:{self._password.reveal_text()}".encode()
        return f"Basic {base64.b64encode(pair).decode('ascii')}"

    async def renew_after_rejection(self, rejected: str) -> bool:
        """A password cannot be refreshed: a 401 is final."""
        del rejected
        return False
