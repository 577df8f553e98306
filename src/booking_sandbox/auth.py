"""Machine-account authentication: token exchange (JWT HS256), Bearer and legacy Basic checks.

Token exchange refusals: the (tokens_per_hour + 1)-th exchange for one client id within a sliding
hour is refused with HTTP 429 and `{"errors": [{"code": "TOO_MANY_TOKENS", ...}]}`; bad
credentials give HTTP 401 with `{"errors": [{"code": "INVALID_CREDENTIALS", ...}]}`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import threading
from collections.abc import Callable

import jwt
from attrs import frozen

from booking_sandbox.config import MachineAccount, SandboxConfig

_ALGORITHM = "HS256"


class SandboxAuthError(Exception):
    """Authentication or token-issuing failure; `status` and `code` shape the HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@frozen
class Principal:
    """Who is calling: a machine account (sees connected hotels) or an OAuth grant (its hotels)."""

    kind: str  # "machine" | "oauth"
    subject: str
    account: MachineAccount | None = None
    hotel_codes: frozenset[str] | None = None  # None: every hotel connected to the provider


def new_ruid() -> str:
    """A request id in the base64 form Booking.com prints in `<!-- RUID: [...] -->`."""
    return base64.b64encode(secrets.token_bytes(18)).decode("ascii")


class TokenAuthority:
    """Issues and verifies JWTs; OAuth access tokens are checked through `oauth_check`."""

    def __init__(self, config: SandboxConfig, now: Callable[[], dt.datetime]) -> None:
        self._config = config
        self._now = now
        self._issued: dict[str, list[dt.datetime]] = {}
        self._lock = threading.Lock()
        #: Set by the OAuth server: refuses revoked access tokens (raises SandboxAuthError).
        self.oauth_check: Callable[[dict[str, object]], None] = lambda _claims: None

    def exchange(self, client_id: str, client_secret: str) -> dict[str, str]:
        """Trade machine-account credentials for `{"jwt", "ruid"}` (rate limited per client)."""
        account = self._config.account_by_client_id(client_id)
        if account is None or not secrets.compare_digest(
            account.client_secret.encode(), client_secret.encode()
        ):
            raise SandboxAuthError(401, "INVALID_CREDENTIALS", "unknown client_id or secret")
        now = self._now()
        with self._lock:
            recent = [t for t in self._issued.get(client_id, []) if now - t < dt.timedelta(hours=1)]
            if len(recent) >= self._config.tokens_per_hour:
                self._issued[client_id] = recent
                raise SandboxAuthError(
                    429,
                    "TOO_MANY_TOKENS",
                    f"at most {self._config.tokens_per_hour} tokens per hour per client id",
                )
            recent.append(now)
            self._issued[client_id] = recent
        claims = {
            "typ": "machine",
            "sub": client_id,
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + self._config.token_ttl_seconds,
            "jti": secrets.token_hex(8),
        }
        return {"jwt": self.sign(claims), "ruid": new_ruid()}

    def issued(self) -> dict[str, list[dt.datetime]]:
        """When each client id was issued tokens (the hourly cap's memory), for persistence."""
        with self._lock:
            return {client: list(times) for client, times in self._issued.items()}

    def restore_issued(self, issued: dict[str, list[dt.datetime]]) -> None:
        """Take back what :meth:`issued` returned (a restarted sandbox keeps counting)."""
        with self._lock:
            self._issued = {client: list(times) for client, times in issued.items()}

    def sign(self, claims: dict[str, object]) -> str:
        """A HS256 JWT over `claims` with the sandbox key."""
        return jwt.encode(claims, self._config.jwt_secret, algorithm=_ALGORITHM)

    def decode(self, token: str) -> dict[str, object]:
        """Verify signature and expiry (against the sandbox clock) and return the claims."""
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self._config.jwt_secret,
                algorithms=[_ALGORITHM],
                # Time claims are checked against the sandbox clock below, not the real one
                # (an advanced sandbox clock issues tokens whose iat is in the real future).
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "sub", "typ"],
                },
            )
        except jwt.PyJWTError as exc:
            raise SandboxAuthError(401, "INVALID_TOKEN", "token is not valid") from exc
        expiry = claims["exp"]
        if not isinstance(expiry, int) or expiry <= self._now().timestamp():
            raise SandboxAuthError(401, "TOKEN_EXPIRED", "token has expired")
        return claims

    def authenticate(self, authorization: str | None) -> Principal:
        """Resolve an `Authorization` header to a Principal or raise a 401 SandboxAuthError."""
        if not authorization:
            raise SandboxAuthError(401, "MISSING_CREDENTIALS", "Authorization header required")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value:
            return self._bearer(value.strip())
        if scheme.lower() == "basic" and self._config.allow_basic_auth:
            return self._basic(value.strip())
        raise SandboxAuthError(401, "UNSUPPORTED_SCHEME", "use a Bearer token")

    def _bearer(self, token: str) -> Principal:
        claims = self.decode(token)
        subject = str(claims["sub"])
        if claims["typ"] == "machine":
            account = self._config.account_by_client_id(subject)
            if account is None:
                raise SandboxAuthError(401, "INVALID_TOKEN", "unknown machine account")
            return Principal(kind="machine", subject=subject, account=account)
        if claims["typ"] == "oauth":
            self.oauth_check(claims)
            hotels = claims.get("hotel_ids")
            codes = frozenset(str(h) for h in hotels) if isinstance(hotels, list) else frozenset()
            return Principal(kind="oauth", subject=subject, hotel_codes=codes)
        raise SandboxAuthError(401, "INVALID_TOKEN", "token type not accepted here")

    def _basic(self, value: str) -> Principal:
        try:
            username, _, password = base64.b64decode(value).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise SandboxAuthError(401, "INVALID_CREDENTIALS", "malformed Basic header") from exc
        account = self._config.account_by_username(username)
        if account is None or not secrets.compare_digest(
            account.password.encode(), password.encode()
        ):
            raise SandboxAuthError(401, "INVALID_CREDENTIALS", "wrong username or password")
        return Principal(kind="machine", subject=account.client_id, account=account)
