"""The refresh lease as ``OAuth2BearerCredentials`` uses it: refresh only while holding it,
wait while another process holds it and adopt what that process saved, always give it back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channel_manager.adapters.booking.errors import AuthorizationFailedError
from channel_manager.adapters.booking.oauth2_tokens import OAuth2BearerCredentials, OAuth2TokenSet

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)


def tokens(access: str, refresh: str, expires_in: timedelta) -> OAuth2TokenSet:
    return OAuth2TokenSet(access_token=access, refresh_token=refresh, expires_at=NOW + expires_in)


class SharedStore:
    """The sealed token set as every process sees it, with the lease beside it."""

    def __init__(self, stored: OAuth2TokenSet) -> None:
        self.stored = stored
        self.holder: str | None = None

    async def load(self) -> OAuth2TokenSet:
        return self.stored

    async def save(self, new: OAuth2TokenSet) -> None:
        self.stored = new


class Lease:
    """One process's view of the lease in ``SharedStore``."""

    def __init__(self, store: SharedStore, owner: str) -> None:
        self._store = store
        self._owner = owner
        self.taken = 0

    async def acquire(self) -> bool:
        if self._store.holder not in (None, self._owner):
            return False
        self._store.holder = self._owner
        self.taken += 1
        return True

    async def release(self) -> None:
        if self._store.holder == self._owner:
            self._store.holder = None


class Refresher:
    """Rotates like the authorisation server; refuses a reused refresh token."""

    def __init__(self, store: SharedStore, *, fail: bool = False) -> None:
        self.used: list[str | None] = []
        self._store = store
        self._fail = fail

    async def refresh_tokens(self, current: OAuth2TokenSet) -> OAuth2TokenSet:
        if self._fail or current.refresh_token in self.used:
            raise AuthorizationFailedError("token refresh refused: invalid_grant")
        self.used.append(current.refresh_token)
        n = len(self.used)
        return tokens(f"access-{n}", f"refresh-{n}", timedelta(hours=1))


def credentials(store: SharedStore, lease: Lease, refresher: Refresher) -> OAuth2BearerCredentials:
    return OAuth2BearerCredentials(
        "oauth2:c",
        store.load,
        refresher,
        on_rotated=store.save,
        clock=lambda: NOW,
        lease=lease,
        lease_poll=0.001,
    )


async def test_the_lease_holder_refreshes_and_gives_the_lease_back() -> None:
    store = SharedStore(tokens("access-0", "refresh-0", timedelta(minutes=-1)))
    lease, refresher = Lease(store, "a"), Refresher(store)

    assert await credentials(store, lease, refresher).authorization() == "Bearer access-1"
    assert refresher.used == ["refresh-0"]
    assert (lease.taken, store.holder) == (1, None)
    assert store.stored.refresh_token == "refresh-1"


async def test_a_waiter_adopts_what_the_holder_saved_instead_of_refreshing() -> None:
    store = SharedStore(tokens("access-0", "refresh-0", timedelta(minutes=-1)))
    store.holder = "other process"
    lease, refresher = Lease(store, "a"), Refresher(store)
    waiting = credentials(store, lease, refresher)

    async def other_process_finishes() -> None:
        store.stored = tokens("access-9", "refresh-9", timedelta(hours=1))
        store.holder = None

    # The other process saves and releases while this one waits for the lease.
    original_acquire = lease.acquire
    polls = 0

    async def acquire() -> bool:
        nonlocal polls
        polls += 1
        taken = await original_acquire()
        if polls == 2:
            await other_process_finishes()  # between this poll and the next look
        return taken

    lease.acquire = acquire  # type: ignore[method-assign]
    assert await waiting.authorization() == "Bearer access-9"
    assert refresher.used == []
    assert (polls, lease.taken) == (2, 0)


async def test_tokens_saved_just_before_the_lease_was_taken_are_adopted() -> None:
    # Read (expired) -> the other process saves and releases -> lease taken: read again first.
    store = SharedStore(tokens("access-0", "refresh-0", timedelta(minutes=-1)))
    lease, refresher = Lease(store, "a"), Refresher(store)
    original_acquire = lease.acquire

    async def acquire() -> bool:
        store.stored = tokens("access-9", "refresh-9", timedelta(hours=1))
        return await original_acquire()

    lease.acquire = acquire  # type: ignore[method-assign]
    assert await credentials(store, lease, refresher).authorization() == "Bearer access-9"
    assert refresher.used == []
    assert store.holder is None


async def test_a_refused_refresh_still_gives_the_lease_back() -> None:
    store = SharedStore(tokens("access-0", "refresh-0", timedelta(minutes=-1)))
    lease = Lease(store, "a")
    with pytest.raises(AuthorizationFailedError):
        await credentials(store, lease, Refresher(store, fail=True)).authorization()
    assert store.holder is None


async def test_after_a_401_the_latest_stored_refresh_token_is_used() -> None:
    # Another process refreshed; its new access token is already due (short-lived tokens):
    # this process must refresh with the new refresh token, not the one it started with.
    store = SharedStore(tokens("access-0", "refresh-0", timedelta(hours=1)))
    lease, refresher = Lease(store, "a"), Refresher(store)
    mine = credentials(store, lease, refresher)
    assert await mine.authorization() == "Bearer access-0"
    refresher.used.append("refresh-0")  # the other process used it
    store.stored = tokens("access-5", "refresh-5", timedelta(seconds=30))

    assert await mine.renew_after_rejection("Bearer access-0")
    assert refresher.used == ["refresh-0", "refresh-5"]
    assert await mine.authorization() == "Bearer access-2"
