"""OAuth 2.0 token sets: what an ``oauth2`` connection keeps in the vault, and the request
credentials that use (and refresh) them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import attrs
import cattrs
import cattrs.preconf.json

from channel_manager.adapters.booking.errors import AuthorizationFailedError

#: Refresh this long before the access token expires.
DEFAULT_REFRESH_MARGIN = timedelta(minutes=2)


@attrs.frozen(kw_only=True)
class OAuth2TokenSet:
    """Access and refresh token of one authorisation, with the access token's expiry (UTC).

    Serialised as JSON text, it is the credential secret sealed in the vault.
    """

    access_token: str = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    expires_at: datetime
    token_type: str = "Bearer"  # noqa: S105 -- the scheme name, not a secret
    scope: str | None = None

    def is_due(self, now: datetime, margin: timedelta = DEFAULT_REFRESH_MARGIN) -> bool:
        """True when the access token expires within ``margin``."""
        return now >= self.expires_at - margin

    def to_secret_text(self) -> str:
        """The JSON text to seal in the vault."""
        return _secret_json.dumps(self, sort_keys=True)

    @classmethod
    def from_secret_text(cls, text: str) -> OAuth2TokenSet:
        """Read back what :meth:`to_secret_text` wrote."""
        try:
            return _secret_json.loads(text, cls)
        except (ValueError, KeyError, TypeError, cattrs.BaseValidationError) as error:
            raise AuthorizationFailedError("stored OAuth 2.0 credentials are unreadable") from error

    @classmethod
    def from_token_response(
        cls, data: Any, now: datetime, previous_refresh_token: str | None = None
    ) -> OAuth2TokenSet:
        """Build from a token endpoint's JSON answer (RFC 6749 section 5.1).

        A refresh answer without a new ``refresh_token`` keeps the previous one (rotation is
        optional in RFC 6749; the sandbox rotates).
        """
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise AuthorizationFailedError("the token endpoint answered without an access_token")
        expires_in = data.get("expires_in")
        lifetime = int(expires_in) if isinstance(expires_in, int | float | str) else 3600
        refresh = data.get("refresh_token")
        return cls(
            access_token=data["access_token"],
            refresh_token=refresh if isinstance(refresh, str) else previous_refresh_token,
            expires_at=now + timedelta(seconds=lifetime),
            token_type=str(data.get("token_type") or "Bearer"),
            scope=data.get("scope") if isinstance(data.get("scope"), str) else None,
        )


#: The token set as vault JSON: every field by name, ``expires_at`` in ISO 8601.
_secret_json = cattrs.preconf.json.make_converter()


class TokenRefresher(Protocol):
    """Exchanges a refresh token for a new token set (the OAuth2 authoriser does)."""

    async def refresh_tokens(self, tokens: OAuth2TokenSet) -> OAuth2TokenSet:
        """The new (rotated) token set."""
        ...


#: Called with every new token set so the application can seal it in the vault again.
TokensRotated = Callable[[OAuth2TokenSet], Awaitable[None]]


async def _keep_nothing(tokens: OAuth2TokenSet) -> None:
    del tokens


#: Loads the stored token set of a connection (from the vault) on first use.
TokensLoader = Callable[[], Awaitable[OAuth2TokenSet]]


class RefreshLease(Protocol):
    """The right to refresh one connection's tokens, held by one process at a time.

    Refresh tokens rotate: a second refresh with the same token is a reuse, which the
    authorisation server answers by revoking the grant. The ``asyncio.Lock`` below keeps one
    process to one refresh; the lease does the same between processes sharing a database.
    """

    async def acquire(self) -> bool:
        """True when this holder may refresh now; False while another holder's lease runs."""
        ...

    async def release(self) -> None:
        """Give the lease up (after the new tokens are saved, or the refresh failed)."""
        ...


class UnsharedTokens:
    """``RefreshLease`` for a token set no other process uses: always free."""

    async def acquire(self) -> bool:
        """Always True."""
        return True

    async def release(self) -> None:
        """Nothing to give up."""


#: How often a caller waiting for another process's refresh looks again.
DEFAULT_LEASE_POLL = 0.05


class OAuth2BearerCredentials:
    """Request credentials of an ``oauth2`` connection: the access token, refreshed shortly
    before it expires and once after a 401; rotated token sets go to ``on_rotated``.

    The token set is loaded lazily by ``load_tokens`` so a gateway can be built synchronously.
    ``credential_ref`` names where it is stored (a reconnect stores it under a new one).
    Refreshes are single-flight within the process (a lock) and across processes (``lease``):
    whoever waited for another's refresh adopts the token set it saved.
    """

    def __init__(
        self,
        account_key: str,
        load_tokens: TokensLoader,
        refresher: TokenRefresher,
        *,
        on_rotated: TokensRotated = _keep_nothing,
        clock: Callable[[], datetime],
        credential_ref: str | None = None,
        lease: RefreshLease | None = None,
        lease_poll: float = DEFAULT_LEASE_POLL,
    ) -> None:
        self._account_key = account_key
        self._lease = lease or UnsharedTokens()
        self._lease_poll = lease_poll
        self.credential_ref = credential_ref
        self._load_tokens = load_tokens
        self._tokens: OAuth2TokenSet | None = None
        self._refresher = refresher
        self._on_rotated = on_rotated
        self._clock = clock
        self._lock = asyncio.Lock()

    @property
    def account_key(self) -> str:
        """The connection this authorisation belongs to."""
        return self._account_key

    async def authorization(self) -> str:
        """``Bearer <access token>``, refreshed first when it is about to expire."""
        async with self._lock:
            tokens = await self._current()
            if tokens.is_due(self._clock()):
                tokens = await self._stored_or_refreshed(tokens)
            return f"Bearer {tokens.access_token}"

    async def renew_after_rejection(self, rejected: str) -> bool:
        """Refresh after a 401 unless a concurrent caller already did; False without a
        refresh token."""
        async with self._lock:
            tokens = await self._current()
            if rejected != f"Bearer {tokens.access_token}":
                return True
            if tokens.refresh_token is None:
                return False
            await self._stored_or_refreshed(tokens)
            return True

    async def _current(self) -> OAuth2TokenSet:
        if self._tokens is None:
            self._tokens = await self._load_tokens()
        return self._tokens

    async def _stored_or_refreshed(self, tokens: OAuth2TokenSet) -> OAuth2TokenSet:
        """Adopt a newer token set from the store if someone else (another process, a
        reconnect) saved one, else refresh under the lease: refreshing with a rotated-away
        refresh token would be refused and break a healthy connection."""
        while True:
            adopted = await self._adopt_newer(tokens)
            if adopted is not None:
                return adopted
            if await self._lease.acquire():
                break
            await asyncio.sleep(self._lease_poll)  # another process is refreshing
        try:
            # Read again under the lease: a refresh may have been saved since the last look.
            adopted = await self._adopt_newer(tokens)
            if adopted is not None:
                return adopted
            stored = await self._load_tokens()
            return await self._refresh(stored if stored.refresh_token else tokens)
        finally:
            await self._lease.release()

    async def _adopt_newer(self, tokens: OAuth2TokenSet) -> OAuth2TokenSet | None:
        """The stored token set when it differs from ``tokens`` and is not due, else None."""
        stored = await self._load_tokens()
        if stored.access_token != tokens.access_token and not stored.is_due(self._clock()):
            self._tokens = stored
            return stored
        return None

    async def _refresh(self, tokens: OAuth2TokenSet) -> OAuth2TokenSet:
        self._tokens = await self._refresher.refresh_tokens(tokens)
        await self._on_rotated(self._tokens)
        return self._tokens
