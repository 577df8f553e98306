"""Wake this process's idle worker as soon as outbound work is committed.

The worker sleeps between passes when it finds nothing to do (one second by default), so an
availability change queued by a pushed reservation or an ARI submission would wait for up to
that long before it is sent. The container hands this process's signal to its units of work,
which call :meth:`WorkSignal.notify` after a commit that queued outbound messages (``serve``
runs the worker beside the server); the worker's idle wait ends at once. Other processes simply
find the work on their next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class WorkSignal:
    """A thread-safe doorbell for the worker's idle wait; a notification is never lost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """Ring (from any thread, after the commit); a no-op while no worker listens."""
        with self._lock:
            loop, event = self._loop, self._event
        if loop is None or event is None:
            return
        with contextlib.suppress(RuntimeError):  # the worker's loop has closed
            loop.call_soon_threadsafe(event.set)

    def _listen(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._loop is not loop or self._event is None:
                self._loop, self._event = loop, asyncio.Event()
            return self._event

    async def wait(self, timeout: float, stopping: asyncio.Event) -> bool:
        """Wait up to ``timeout`` s for a notification or ``stopping``; True when notified.

        A notification that came while the worker was busy ends the next wait at once.
        """
        event = self._listen()
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stopping.wait())}
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        notified = event.is_set()
        event.clear()
        return notified

    def listen(self) -> None:
        """Start collecting notifications on the running loop (before the first pass)."""
        self._listen()
