"""API keys: bearer tokens scoped to one organisation; only a hash of the secret is stored."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from channel_manager.domain.errors import InvalidTransition


@attrs.frozen(kw_only=True)
class ApiKey:
    """An API key record. ``prefix`` is the visible start of the key (to tell keys apart);
    ``key_hash`` is a hash of the full secret, which itself is shown once and never stored.
    """

    id: UUID
    organization_id: UUID
    name: str
    prefix: str
    key_hash: str = attrs.field(repr=False)
    created_at: datetime
    revoked_at: datetime | None = None
    #: When the key last authenticated a request, to the minute or so (see ApiKeyService).
    last_used_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """True until the key is revoked."""
        return self.revoked_at is None

    def revoke(self, now: datetime) -> ApiKey:
        """Revoke the key; revoking twice is an error so callers notice stale state."""
        if self.revoked_at is not None:
            raise InvalidTransition("api key", "revoked", "revoked")
        return attrs.evolve(self, revoked_at=now)
