"""OAuth 2.0 authorisation server logic (RFC 6749 code grant, RFC 7636 PKCE S256, RFC 7009).

Authorisation codes are single-use and expire; redeeming one twice revokes what it issued.
Refresh tokens rotate: each use returns a new one and invalidates the old; replaying an old one
revokes the whole grant (every access and refresh token descended from the same code).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import attrs
from attrs import define, frozen

from booking_sandbox.auth import SandboxAuthError, TokenAuthority
from booking_sandbox.config import OAuthClient, SandboxConfig

SCOPE = "properties reservations ari"


class OAuthError(Exception):
    """An RFC 6749 error response: `error` code, description and HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@frozen
class AuthorizationCode:
    """An issued code waiting to be redeemed once."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    hotel_ids: tuple[str, ...]
    expires_at: dt.datetime
    grant_id: str


@define
class RefreshGrant:
    """A refresh token; `active` turns false once rotated or revoked."""

    client_id: str
    hotel_ids: tuple[str, ...]
    grant_id: str
    active: bool = True


@define
class OAuthRecords:
    """Everything the authorisation server remembers, as plain values (for persistence)."""

    codes: dict[str, AuthorizationCode]
    used_codes: dict[str, str]
    refresh: dict[str, RefreshGrant]
    revoked_jtis: set[str]
    revoked_grants: set[str]


#: RFC 7636 section 4.1: 43 to 128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def s256(verifier: str) -> str:
    """The PKCE S256 challenge for a verifier: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthServer:
    """Codes, tokens and revocation for the sandbox's OAuth 2.0 flow."""

    def __init__(
        self, config: SandboxConfig, tokens: TokenAuthority, now: Callable[[], dt.datetime]
    ) -> None:
        self._config = config
        self._tokens = tokens
        self._now = now
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_codes: dict[str, str] = {}  # code -> grant id
        self._refresh: dict[str, RefreshGrant] = {}
        self._revoked_jtis: set[str] = set()
        self._revoked_grants: set[str] = set()
        tokens.oauth_check = self.check_access_claims

    def records(self) -> OAuthRecords:
        """A copy of the codes, refresh tokens and revocations (what a restart must keep)."""
        with self._lock:
            return OAuthRecords(
                codes=dict(self._codes),
                used_codes=dict(self._used_codes),
                refresh={token: attrs.evolve(grant) for token, grant in self._refresh.items()},
                revoked_jtis=set(self._revoked_jtis),
                revoked_grants=set(self._revoked_grants),
            )

    def restore(self, records: OAuthRecords) -> None:
        """Take back what :meth:`records` returned."""
        with self._lock:
            self._codes = dict(records.codes)
            self._used_codes = dict(records.used_codes)
            self._refresh = dict(records.refresh)
            self._revoked_jtis = set(records.revoked_jtis)
            self._revoked_grants = set(records.revoked_grants)

    def client(self, client_id: str) -> OAuthClient:
        """The registered client, or `invalid_client`."""
        client = self._config.oauth_client(client_id)
        if client is None:
            raise OAuthError("invalid_client", "unknown client_id", 401)
        return client

    def check_redirect_uri(self, client: OAuthClient, redirect_uri: str) -> None:
        """Refuse redirect URIs the client did not register (or non-http(s) ones)."""
        parts = urlsplit(redirect_uri)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise OAuthError("invalid_request", "redirect_uri must be an absolute http(s) URL")
        if client.redirect_uris is not None and redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", "redirect_uri is not registered for this client")

    def authenticate_client(self, client_id: str, client_secret: str | None) -> OAuthClient:
        """Token-endpoint client authentication: confidential clients must send their secret."""
        client = self.client(client_id)
        if client.client_secret is not None and (
            client_secret is None
            or not secrets.compare_digest(client.client_secret.encode(), client_secret.encode())
        ):
            raise OAuthError("invalid_client", "client authentication failed", 401)
        return client

    def issue_code(
        self, client_id: str, redirect_uri: str, code_challenge: str, hotel_ids: tuple[str, ...]
    ) -> str:
        """A fresh single-use authorisation code bound to client, redirect URI and challenge."""
        code = secrets.token_urlsafe(24)
        expires = self._now() + dt.timedelta(seconds=self._config.oauth_code_ttl_seconds)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                client_id, redirect_uri, code_challenge, hotel_ids, expires, secrets.token_hex(8)
            )
        return code

    def redeem_code(
        self, client_id: str, code: str, redirect_uri: str, code_verifier: str
    ) -> dict[str, object]:
        """grant_type=authorization_code: check the code, redirect URI and PKCE verifier."""
        with self._lock:
            if code in self._used_codes:
                self._revoked_grants.add(self._used_codes[code])
                self._deactivate_grant(self._used_codes[code])
                raise OAuthError("invalid_grant", "authorization code was already used")
            grant = self._codes.pop(code, None)
            if grant is None:
                raise OAuthError("invalid_grant", "unknown authorization code")
            self._used_codes[code] = grant.grant_id
        if grant.expires_at <= self._now():
            raise OAuthError("invalid_grant", "authorization code expired")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "code was issued to another client")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization")
        if not _VERIFIER.fullmatch(code_verifier or "") or not secrets.compare_digest(
            s256(code_verifier).encode(), grant.code_challenge.encode("utf-8")
        ):
            raise OAuthError("invalid_grant", "PKCE verification failed")
        return self._issue_tokens(client_id, grant.hotel_ids, grant.grant_id)

    def refresh(self, client_id: str, refresh_token: str) -> dict[str, object]:
        """grant_type=refresh_token with rotation; a replayed token revokes its grant."""
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.client_id != client_id:
                raise OAuthError("invalid_grant", "unknown refresh token")
            if not grant.active or grant.grant_id in self._revoked_grants:
                self._revoked_grants.add(grant.grant_id)
                self._deactivate_grant(grant.grant_id)
                raise OAuthError("invalid_grant", "refresh token was already used or revoked")
            grant.active = False
        return self._issue_tokens(client_id, grant.hotel_ids, grant.grant_id)

    def revoke(self, token: str) -> None:
        """RFC 7009: revoke a refresh token (its whole grant) or one access token; unknown is OK."""
        with self._lock:
            grant = self._refresh.get(token)
            if grant is not None:
                self._revoked_grants.add(grant.grant_id)
                self._deactivate_grant(grant.grant_id)
                return
        try:
            claims = self._tokens.decode(token)
        except SandboxAuthError:
            return
        with self._lock:
            self._revoked_jtis.add(str(claims.get("jti")))

    def check_access_claims(self, claims: dict[str, object]) -> None:
        """Refuse OAuth access tokens that were revoked (directly or through their grant)."""
        with self._lock:
            if claims.get("jti") in self._revoked_jtis or claims.get("gid") in self._revoked_grants:
                raise SandboxAuthError(401, "TOKEN_REVOKED", "token has been revoked")

    def _deactivate_grant(self, grant_id: str) -> None:
        for grant in self._refresh.values():
            if grant.grant_id == grant_id:
                grant.active = False

    def _issue_tokens(
        self, client_id: str, hotel_ids: tuple[str, ...], grant_id: str
    ) -> dict[str, object]:
        now = self._now()
        ttl = self._config.oauth_access_ttl_seconds
        access = self._tokens.sign(
            {
                "typ": "oauth",
                "sub": client_id,
                "hotel_ids": list(hotel_ids),
                "gid": grant_id,
                "jti": secrets.token_hex(8),
                "iat": int(now.timestamp()),
                "exp": int(now.timestamp()) + ttl,
            }
        )
        refresh_token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[refresh_token] = RefreshGrant(client_id, hotel_ids, grant_id)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "refresh_token": refresh_token,
            "scope": SCOPE,
            "hotel_ids": list(hotel_ids),
        }
