"""``serve --processes N``: what uvicorn's own multi-process supervisor needs from us.

One process runs Python on one core at a time, so it sustains about 1 / (CPU per request)
pushes per second whatever the machine. With ``--processes N`` ``serve`` binds the socket and
hands it to ``uvicorn.supervisors.Multiprocess``, which spawns N fresh processes accepting from
it, replaces one that dies, and on SIGTERM or SIGINT stops each gracefully (requests in flight
finish) before exiting 0. Each process calls `served_app` to build its own container.

No worker runs in these processes: scheduled syncs, the outbound retry queue and the push
inbox must not run N times, so the worker is its own process (``channel-manager worker``).

The supervisor pickles the uvicorn config for each process, so what it holds is importable
and light: this module imports the application only inside `served_app`, and `DeadlineProtocol`
stands for the per-run protocol class of `deadline_protocol` (a class made at run time does
not pickle). A process unpickles it before it answers the supervisor's health checks.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
from typing import TYPE_CHECKING, Any

from attrs import frozen

from channel_manager.entrypoints.http_guard import (
    DeadlineH11Protocol,
    IpNetwork,
    deadline_protocol,
)

if TYPE_CHECKING:
    from litestar import Litestar

#: The app factory uvicorn imports in each process.
SERVED_APP = "channel_manager.entrypoints.processes:served_app"
#: Seconds a process has to answer the supervisor's health check before it is replaced
#: (uvicorn's 5 s is shorter than a start on a busy 2-core machine).
HEALTHCHECK_TIMEOUT = 30


def served_app() -> Litestar:
    """One process's app: its own container from the ``CM_`` environment it inherited, and its
    logging. The parent checked the settings and the database before it spawned anything, so a
    failure here is rare (uvicorn then stops every process: a start failure)."""
    from channel_manager.adapters.sqlalchemy import ensure_migrated  # noqa: PLC0415 - slow
    from channel_manager.container import build_container  # noqa: PLC0415
    from channel_manager.entrypoints.asgi import build_asgi_app  # noqa: PLC0415
    from channel_manager.entrypoints.logging_setup import configure_logging  # noqa: PLC0415
    from channel_manager.settings import Settings  # noqa: PLC0415

    _stop_with_parent()
    settings = Settings.from_env()
    configure_logging(settings)
    container = build_container(settings)
    ensure_migrated(container.engine())
    return build_asgi_app(container)


def _stop_with_parent() -> None:
    """On Linux, SIGTERM this process (a graceful stop) when the supervisor dies, even of
    SIGKILL, so no server is left orphaned holding the port."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # noqa: PLC0415 - Linux only

    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))


@frozen
class DeadlineProtocol:
    """`deadline_protocol` as a picklable value for ``uvicorn.Config(http=...)``: each process
    makes the protocol class once, so its per-address connection counts are its own."""

    header_timeout: float
    body_timeout: float
    max_per_address: int = 0
    exempt: tuple[IpNetwork, ...] = ()

    def __call__(self, **kwargs: Any) -> DeadlineH11Protocol:
        """One connection's protocol (uvicorn calls ``http(config=..., server_state=...)``)."""
        return _protocol_class(self)(**kwargs)


@functools.cache
def _protocol_class(spec: DeadlineProtocol) -> type[DeadlineH11Protocol]:
    return deadline_protocol(
        spec.header_timeout,
        spec.body_timeout,
        max_per_address=spec.max_per_address,
        exempt=spec.exempt,
    )
