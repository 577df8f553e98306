"""Running the sandbox: `run()` (blocking) and `SandboxServer` (background thread, for tests)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from booking_sandbox.app import create_app
from booking_sandbox.config import SandboxConfig
from booking_sandbox.faults import FaultInjector
from booking_sandbox.state import SandboxState


class SandboxStartError(RuntimeError):
    """The background server did not start accepting connections in time."""


def run(
    host: str = "127.0.0.1",
    port: int = 8900,
    seed: int = 1,
    *,
    config: SandboxConfig | None = None,
    log_level: str = "info",
) -> None:
    """Serve the sandbox until interrupted (blocking)."""
    uvicorn.run(create_app(seed=seed, config=config), host=host, port=port, log_level=log_level)


class SandboxServer:
    """The sandbox on 127.0.0.1 in a background thread; use as a context manager.

    >>> with SandboxServer(seed=7) as sandbox:  # doctest: +SKIP
    ...     httpx.get(f"{sandbox.base_url}/_sandbox/health")
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        port: int = 0,
        config: SandboxConfig | None = None,
        state: SandboxState | None = None,
        log_level: str = "warning",
    ) -> None:
        self.app = create_app(state, seed=seed, config=config)
        self.state: SandboxState = self.app.state.sandbox
        self.faults: FaultInjector = self.app.state.faults
        self._port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        if self._socket is None:
            raise SandboxStartError("server not started")
        port: int = self._socket.getsockname()[1]
        return port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`: both supply-xml and secure-supply-xml hosts."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Bind, start uvicorn in a thread and wait until it serves."""
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: uvicorn writes headers and body separately, and
        # with Nagle's algorithm against the client's delayed ACK each answer took ~40 ms more.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind(("127.0.0.1", self._port))
        config = uvicorn.Config(
            self.app,
            log_level=self._log_level,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="booking-sandbox",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise SandboxStartError("the sandbox did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
