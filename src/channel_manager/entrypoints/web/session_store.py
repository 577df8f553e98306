"""Litestar's session ``Store`` over the database (:class:`WebSessionService`), so every
``serve`` process, and a restarted one, knows every signed-in browser.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from litestar.stores.base import Store

from channel_manager.application.web_sessions import SESSION_LIFETIME, WebSessionService


def _duration(value: int | timedelta | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class DatabaseSessionStore(Store):
    """Session data by cookie id; the service hashes the id and keeps the expiry."""

    def __init__(self, sessions: WebSessionService) -> None:
        self._sessions = sessions

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        """Store the session's serialised data until ``expires_in`` from now."""
        data = value.decode("utf-8") if isinstance(value, bytes) else value
        lifetime = _duration(expires_in) or SESSION_LIFETIME
        await asyncio.to_thread(self._sessions.save, key, data, lifetime)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        """The session's data (None when unknown or expired), its expiry slid by ``renew_for``."""
        data = await asyncio.to_thread(self._sessions.load, key, _duration(renew_for))
        return None if data is None else data.encode("utf-8")

    async def delete(self, key: str) -> None:
        """Forget the session."""
        await asyncio.to_thread(self._sessions.delete, key)

    async def delete_all(self) -> None:
        """Not offered: signing every browser out is an operator's database decision."""
        raise NotImplementedError("the session store does not delete every session at once")

    async def exists(self, key: str) -> bool:
        """True while the session is live."""
        return await self.expires_in(key) is not None

    async def expires_in(self, key: str) -> int | None:
        """Seconds the session has left; None when unknown or expired."""
        left = await asyncio.to_thread(self._sessions.expires_in, key)
        return None if left is None else int(left.total_seconds())
