"""One-time sign-in links: a short-lived, single-use token instead of an API key in a URL.

The token is shown once (printed by the CLI or the demo) and stored as a hash. Opening the
link only shows a confirm button; the token is exchanged for a session by a POST, so a
third-party page cannot sign a visitor into somebody else's organisation.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from channel_manager.application.errors import InvalidRequest, Unauthenticated
from channel_manager.application.web_sessions import hash_secret
from channel_manager.domain.inventory import Organization
from channel_manager.domain.web_sessions import SigninToken
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWorkFactory

#: Every sign-in token starts with this, so a leaked one is easy to recognise.
TOKEN_PREFIX = "cms_"  # noqa: S105 - a public prefix, not a secret
#: How long a sign-in link works unless the issuer asks for less (or more, up to the maximum).
DEFAULT_LIFETIME = timedelta(minutes=15)
MAX_LIFETIME = timedelta(hours=1)

#: The web UI's page a link opens (``?token=cms_...``).
SIGNIN_LINK_PATH = "/signin/link"

_REFUSED = "this sign-in link is unknown, already used or expired; ask for a new one"


@attrs.frozen
class IssuedSigninToken:
    """A new token: the plaintext (shown once) and when it stops working."""

    plaintext: str = attrs.field(repr=False)
    organization_id: UUID
    expires_at: datetime

    def url(self, public_url: str) -> str:
        """The link to open: the web UI's confirm page with this token."""
        return f"{public_url.rstrip('/')}{SIGNIN_LINK_PATH}?token={self.plaintext}"


class SigninLinks:
    """Issues sign-in tokens and exchanges them (once) for the organisation they sign into."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def issue(
        self, organization_id: UUID, lifetime: timedelta = DEFAULT_LIFETIME
    ) -> IssuedSigninToken:
        """A token for the organisation, valid for ``lifetime`` (at most an hour)."""
        if not timedelta(0) < lifetime <= MAX_LIFETIME:
            raise InvalidRequest("a sign-in link lasts more than 0 and at most 60 minutes")
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        token = SigninToken(
            token_hash=hash_secret(plaintext),
            organization_id=organization_id,
            created_at=now,
            expires_at=now + lifetime,
        )
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            uow.signin_tokens.purge_expired(now)
            uow.signin_tokens.add(token)
            uow.commit()
        return IssuedSigninToken(plaintext, organization_id, token.expires_at)

    def peek(self, plaintext: str | None) -> Organization:
        """The organisation a valid token would sign into, without using it (confirm page)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            token = uow.signin_tokens.get(_hash(plaintext))
            if token is None or token.is_expired(now):
                raise Unauthenticated(_REFUSED)
            return uow.organizations.get(token.organization_id)

    def redeem(self, plaintext: str | None) -> UUID:
        """Use the token up and return its organisation; ``Unauthenticated`` when it is
        unknown, already used (by anyone, in any process) or expired.
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            token = uow.signin_tokens.take(_hash(plaintext))
            uow.commit()
        if token is None or token.is_expired(now):
            raise Unauthenticated(_REFUSED)
        return token.organization_id


def _hash(plaintext: str | None) -> str:
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return ""  # matches no stored hash
    return hash_secret(plaintext)
