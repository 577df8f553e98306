"""Signed-in browsers kept in the database, so every process (and a restarted one) knows them.

The cookie carries a random id; only its SHA-256 is stored, so a copy of the table (or a
backup) signs nobody in. A session exists only once someone signs in: the web layer never
stores an anonymous one.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import attrs

from channel_manager.domain.web_sessions import WebSession
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWorkFactory

#: A signed-in browser stays signed in this long without activity.
SESSION_LIFETIME = timedelta(hours=12)
#: An active session's expiry moves forward at most this often (not a write per request).
RENEW_INTERVAL = timedelta(minutes=5)


def hash_secret(value: str) -> str:
    """SHA-256 (hex) of a random secret: 256-bit ids and tokens need no slow hash."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class WebSessionService:
    """Loads, stores, renews, deletes and purges browser sessions by their cookie id."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def load(self, session_id: str, renew_for: timedelta | None = None) -> str | None:
        """The session's data; None when unknown or expired (an expired one is deleted).

        ``renew_for``: slide the expiry to ``now + renew_for``, at most every
        :data:`RENEW_INTERVAL`.
        """
        now = self._clock.now()
        id_hash = hash_secret(session_id)
        with self._uow_factory() as uow:
            found = uow.web_sessions.get(id_hash)
            if found is None:
                return None
            if found.is_expired(now):
                uow.web_sessions.delete(id_hash)
                uow.commit()
                return None
            if renew_for is not None and found.expires_at < now + renew_for - RENEW_INTERVAL:
                uow.web_sessions.put(attrs.evolve(found, expires_at=now + renew_for))
                uow.commit()
            return found.data

    def save(self, session_id: str, data: str, lifetime: timedelta = SESSION_LIFETIME) -> None:
        """Store ``data`` under the id until ``now + lifetime``. A new session (a sign-in)
        also purges the expired ones, so the table holds only live sessions and recent ones.
        """
        now = self._clock.now()
        id_hash = hash_secret(session_id)
        with self._uow_factory() as uow:
            found = uow.web_sessions.get(id_hash)
            if found is None:
                uow.web_sessions.purge_expired(now)
                uow.signin_tokens.purge_expired(now)
            uow.web_sessions.put(
                WebSession(
                    id_hash=id_hash,
                    data=data,
                    created_at=found.created_at if found else now,
                    expires_at=now + lifetime,
                )
            )
            uow.commit()

    def expires_in(self, session_id: str) -> timedelta | None:
        """How long the session has left; None when unknown or expired."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            found = uow.web_sessions.get(hash_secret(session_id))
        if found is None or found.is_expired(now):
            return None
        return found.expires_at - now

    def delete(self, session_id: str) -> None:
        """Forget the session (sign-out); nothing happens when it is unknown."""
        with self._uow_factory() as uow:
            uow.web_sessions.delete(hash_secret(session_id))
            uow.commit()

    def purge(self) -> int:
        """Delete every expired session and sign-in token; how many sessions went."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            purged = uow.web_sessions.purge_expired(now)
            uow.signin_tokens.purge_expired(now)
            uow.commit()
        return purged
