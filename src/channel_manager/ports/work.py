"""The doorbell a unit of work rings after committing outbound work.

Units of work take one (optional): after a commit that queued outbound messages they call
:meth:`WorkNotifier.notify`, so this process's idle worker sends them at once instead of after
its idle pause, whichever use case or entrypoint queued them.
(:class:`~channel_manager.application.work_signal.WorkSignal` is the process's doorbell.)
"""

from __future__ import annotations

from typing import Protocol


class WorkNotifier(Protocol):
    """Told, from any thread, that outbound work was committed."""

    def notify(self) -> None:
        """Outbound work was committed (a no-op while nobody listens)."""
        ...
