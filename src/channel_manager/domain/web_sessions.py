"""Browser sessions and one-time sign-in tokens: stored only as hashes of their secrets."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs


@attrs.frozen(kw_only=True)
class WebSession:
    """A signed-in browser. ``id_hash`` is a hash of the random id its cookie carries (a copy
    of the table signs nobody in); ``data`` is the session's JSON (organisation, CSRF token,
    one-shot notices), never a credential.
    """

    id_hash: str = attrs.field(repr=False)
    data: str = attrs.field(repr=False)
    created_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        """True at or after ``expires_at``."""
        return now >= self.expires_at


@attrs.frozen(kw_only=True)
class SigninToken:
    """A one-time sign-in link's token: short-lived, single use, kept as a hash."""

    token_hash: str = attrs.field(repr=False)
    organization_id: UUID
    created_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        """True at or after ``expires_at``."""
        return now >= self.expires_at
