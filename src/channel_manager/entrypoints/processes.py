"""``serve --processes N``: several server processes on one listening socket.

One process runs Python on one core at a time, so it sustains about 1 / (CPU per request)
pushes per second whatever the machine. N forked processes accept from the same socket (the
kernel hands each connection to one of them), each with its own container, engine and pool.

The parent binds the socket, forks, then only supervises: SIGTERM and SIGINT are passed on to
every child (each stops gracefully as a single ``serve`` does), and when one child exits the
others are stopped too, so a process manager sees the whole server end and restarts it. The
parent exits with the worst exit code of its children.

Forking happens before the parent has any thread or open database connection (the caller
disposes of its engine first); every child builds its own container after the fork.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from types import FrameType

logger = logging.getLogger(__name__)

#: Runs one child's server on the shared socket; ``index`` 0 is the first child.
ChildMain = Callable[[socket.socket, int], None]


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket every child accepts from (IPv6 when ``host`` is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections, as uvicorn sets it on sockets it binds itself:
    # without it a separate header and body write meets the client's delayed ACK (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_processes(count: int, sock: socket.socket, child_main: ChildMain) -> int:
    """Fork ``count`` children running ``child_main``; supervise them; the worst exit code."""
    children: list[int] = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, measured by the serve tests
            os._exit(_child(sock, index, child_main))
        children.append(pid)
    sock.close()  # the children hold it
    logger.info("serving with %d processes: %s", count, ", ".join(map(str, children)))
    return _supervise(children)


def _exit(_signum: int, _frame: FrameType | None) -> None:
    """A child's SIGTERM and SIGINT outside its server: end the child with 0."""
    raise SystemExit(0)


def _child(sock: socket.socket, index: int, child_main: ChildMain) -> int:
    # While the server runs it handles SIGTERM and SIGINT itself and, once it has stopped
    # gracefully, raises the signal again for the handler that was there before: this one,
    # which ends the child with 0 (dying of the signal would read as a failure to the
    # parent). A signal before the server is up ends the child at once the same way.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit)
    _stop_with_parent()
    try:
        child_main(sock, index)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # the child reports and exits, whatever went wrong
        traceback.print_exc()
        return 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
    return 0


def _stop_with_parent() -> None:
    """On Linux, SIGTERM this child when the parent dies (even of SIGKILL), so no server is
    left orphaned holding the port.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # noqa: PLC0415 - Linux only

    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))


def _supervise(children: list[int]) -> int:
    """Wait for every child; pass signals on; one child ending stops the others."""
    running = set(children)
    stopping: set[int] = set()  # signals already passed on

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        stopping.add(signum)
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    previous = {sig: signal.signal(sig, pass_on) for sig in (signal.SIGTERM, signal.SIGINT)}
    worst = 0
    try:
        while running:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            if pid not in running:
                continue
            running.discard(pid)
            code = os.waitstatus_to_exitcode(status)
            worst = max(worst, code if code >= 0 else 128 - code)
            if running and not stopping:
                # Once: a second SIGTERM would make the others stop at once, not gracefully.
                logger.error("server process %d exited with %d; stopping the others", pid, code)
                pass_on(signal.SIGTERM, None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return worst
