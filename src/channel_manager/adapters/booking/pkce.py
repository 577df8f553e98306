"""PKCE (RFC 7636) and ``state`` values for the OAuth 2.0 authorisation code flow."""

from __future__ import annotations

import base64
import hashlib
import secrets

import attrs

#: 64 random bytes give an 86-character verifier, inside RFC 7636's 43..128 bounds.
_VERIFIER_BYTES = 64
_STATE_BYTES = 32


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def s256_challenge(verifier: str) -> str:
    """The ``S256`` code challenge of a verifier: BASE64URL(SHA256(verifier))."""
    return _base64url(hashlib.sha256(verifier.encode("ascii")).digest())


@attrs.frozen
class PkcePair:
    """A code verifier (kept secret until the token exchange) and its S256 challenge."""

    verifier: str = attrs.field(repr=False)
    challenge: str
    method: str = "S256"

    @classmethod
    def generate(cls) -> PkcePair:
        """A fresh random verifier and its challenge."""
        verifier = secrets.token_urlsafe(_VERIFIER_BYTES)
        return cls(verifier=verifier, challenge=s256_challenge(verifier))


def new_state() -> str:
    """An unguessable, URL-safe ``state`` value (single use; the caller stores it)."""
    return secrets.token_urlsafe(_STATE_BYTES)
