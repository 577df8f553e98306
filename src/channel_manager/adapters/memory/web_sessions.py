"""In-memory browser sessions and sign-in tokens (the fakes the contract tests keep honest)."""

from __future__ import annotations

from datetime import datetime

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.web_sessions import SigninToken, WebSession


class InMemoryWebSessionRepository:
    """Sessions by the hash of their id."""

    def __init__(self, rows: TableView[WebSession]) -> None:
        self._rows = rows

    def get(self, id_hash: str) -> WebSession | None:
        """The session, or None."""
        return self._rows.find(id_hash)

    def put(self, session: WebSession) -> None:
        """Insert or replace."""
        self._rows.put(session.id_hash, session)

    def delete(self, id_hash: str) -> None:
        """Forget the session if present."""
        self._rows.delete(id_hash)

    def purge_expired(self, now: datetime) -> int:
        """Delete the expired sessions; how many."""
        expired = [s.id_hash for s in self._rows.select(lambda s: s.is_expired(now))]
        for id_hash in expired:
            self._rows.delete(id_hash)
        return len(expired)


class InMemorySigninTokenRepository:
    """Sign-in tokens by the hash of the token."""

    def __init__(self, rows: TableView[SigninToken]) -> None:
        self._rows = rows

    def add(self, token: SigninToken) -> None:
        """Insert a new token."""
        self._rows.insert(token.token_hash, token)

    def get(self, token_hash: str) -> SigninToken | None:
        """The token, or None."""
        return self._rows.find(token_hash)

    def take(self, token_hash: str) -> SigninToken | None:
        """Delete and return the token; the claim keeps a concurrent taker from getting it."""
        if not self._rows.try_claim(token_hash):
            return None
        found = self._rows.find(token_hash)
        if found is not None:
            self._rows.delete(token_hash)
        return found

    def purge_expired(self, now: datetime) -> int:
        """Delete the expired tokens; how many."""
        expired = [t.token_hash for t in self._rows.select(lambda t: t.is_expired(now))]
        for token_hash in expired:
            self._rows.delete(token_hash)
        return len(expired)
