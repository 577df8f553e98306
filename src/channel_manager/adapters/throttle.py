"""Lockout after repeated credential failures: sign-in, API keys and the push endpoint's Basic.

Each refused credential counts against the client address it came from and against the
credential itself (hashed: an API key, a push username). When either has failed
``CM_AUTH_FAILURE_LIMIT`` times within its window (default 10 per 15 minutes), every further
attempt from that address or for that credential is refused with 429 and ``Retry-After``, even
a right one, until the oldest failure leaves the window: guessing stays slow from one address
and, against one key or user, from many.

The counting is the `limits` library's moving window (well kept, used by Flask-Limiter and
SlowAPI) in its memory storage: counters are per process (``serve --processes N`` gives an
attacker N times the attempts) and restart empty. A credential that was never presented (no
``Authorization`` header, an anonymous page) is not a failure.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

T = TypeVar("T")

#: Where each kind of credential counts: a key's failures never lock out the push sender.
SIGN_IN, API_KEY, PUSH_BASIC = "signin", "api-key", "push-basic"


class LockedOut(Exception):  # noqa: N818 -- named for the caller's state, as in the domain
    """Too many recent failures from this address or for this credential."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after} seconds")
        self.retry_after = retry_after


def _digest(credential: str | bytes) -> str:
    data = (
        credential.encode("utf-8", "surrogateescape") if isinstance(credential, str) else credential
    )
    return hashlib.sha256(data).hexdigest()[:32]


class FailureThrottle:
    """Counts failed credentials per (kind, client address) and per (kind, credential)."""

    def __init__(self, limit: str | RateLimitItem, storage: Storage | None = None) -> None:
        self.limit = parse(limit) if isinstance(limit, str) else limit
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    def _keys(
        self, kind: str, address: str | None, credential: str | bytes | None
    ) -> list[tuple[str, str, str]]:
        keys = [(kind, "address", address or "unknown")]
        if credential:
            keys.append((kind, "credential", _digest(credential)))
        return keys

    def check(self, kind: str, address: str | None, credential: str | bytes | None = None) -> None:
        """``LockedOut`` while the address or the credential is locked; else nothing."""
        waits = [
            self._limiter.get_window_stats(self.limit, *key).reset_time - time.time()  # noqa: TID251 - limits counts on the real clock
            for key in self._keys(kind, address, credential)
            if not self._limiter.test(self.limit, *key)
        ]
        if waits:
            raise LockedOut(max(1, math.ceil(max(waits))))

    def failed(self, kind: str, address: str | None, credential: str | bytes | None = None) -> None:
        """Count one refused credential against its address and itself."""
        for key in self._keys(kind, address, credential):
            self._limiter.hit(self.limit, *key)

    def attempt(
        self,
        kind: str,
        address: str | None,
        credential: str | bytes | None,
        use: Callable[[], T],
        refused: type[Exception],
    ) -> T:
        """``use()`` unless locked out (``LockedOut``); a ``refused`` it raises is counted as
        a failure and raised on."""
        self.check(kind, address, credential)
        try:
            return use()
        except refused:
            self.failed(kind, address, credential)
            raise
