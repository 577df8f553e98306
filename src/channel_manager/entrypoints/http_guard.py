"""Read deadlines for ``serve``'s connections: a request head and body must arrive in time.

uvicorn (0.55, h11) arms no timer while it waits for a request: a connection that sends half a
request head, or nothing, or trickles a byte now and then, is held forever; 130 of them
starved a server limited to 128 file descriptors. Its ``timeout_keep_alive`` only runs between
requests and is cancelled by the first byte. So this protocol, uvicorn's own h11 protocol plus
two deadlines, closes a connection whose request head is not complete ``header_timeout``
seconds after the connection opened (or after the previous response), or whose body is not
complete ``body_timeout`` seconds after its head. A request being answered has no deadline.

It also caps the connections one client address holds open at once (``max_per_address``;
a trusted proxy, through which every client comes, is exempt): uvicorn's ``limit_concurrency``
counts every open connection, so one host reopening a few hundred half-sent requests every
few seconds kept every other client at 503 although each of them met its deadline.

``serve`` also passes uvicorn's ``limit_concurrency`` (503 beyond it) and a bounded
``h11_max_incomplete_event_size`` (a request head larger than that is a 400).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Defaults of ``serve --header-timeout`` and ``--body-timeout`` (seconds).
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 60.0
#: The largest request head accepted (uvicorn's default, made explicit): 16 KiB.
MAX_HEAD_BYTES = 16 * 1024
#: Default of ``serve --max-connections-per-address``: a browser opens about 6, a push
#: sender a few; far below ``--limit-concurrency``.
MAX_PER_ADDRESS = 64

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on the request head and one on the body."""

    header_timeout: float = HEADER_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    #: Connections one address may hold open (0: no cap); ``exempt`` networks have none.
    max_per_address: int = 0
    exempt: tuple[IpNetwork, ...] = ()
    #: Open connections per client address, shared by the class's connections (one process).
    open_by_address: ClassVar[dict[str, int]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting: str | None = None  # "head" or "body" while a deadline runs
        self._counted: str | None = None  # the address this connection counts against

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Accept the connection; its first request head is due within ``header_timeout``.
        One address beyond ``max_per_address`` open connections is closed at once."""
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        if self.max_per_address and address and not self._is_exempt(address):
            held = self.open_by_address.get(address, 0)
            if held >= self.max_per_address:
                self.logger.warning(
                    "closing a connection from %s: it already holds %d open", address, held
                )
                self.transport.close()
                return
            self.open_by_address[address] = held + 1
            self._counted = address
        self._await("head")

    def _is_exempt(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.exempt)

    def data_received(self, data: bytes) -> None:
        """Feed h11, then move the deadline on as the request progresses."""
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        """The next request head on a kept-alive connection is due within the deadline too."""
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline (and the address's count) with the connection."""
        self._await(None)
        if self._counted is not None:
            left = self.open_by_address.get(self._counted, 1) - 1
            if left > 0:
                self.open_by_address[self._counted] = left
            else:
                self.open_by_address.pop(self._counted, None)
            self._counted = None
        super().connection_lost(exc)

    def _follow(self) -> None:
        if self.transport.is_closing():
            self._await(None)
        elif self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
            self._await("head")  # a trickled head does not move its deadline
        elif self.conn.their_state is h11.SEND_BODY:
            self._await("body")
        else:
            self._await(None)  # the request is in: answering it has no deadline

    def _await(self, part: str | None) -> None:
        if part == self._awaiting:
            return
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._awaiting = part
        if part is not None:
            seconds = self.header_timeout if part == "head" else self.body_timeout
            self._deadline = self.loop.call_later(seconds, self._expired)

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.logger.warning(
                "closing a connection whose request %s did not arrive in time", self._awaiting
            )
            self.transport.close()
        self._awaiting = None


def deadline_protocol(
    header_timeout: float,
    body_timeout: float,
    *,
    max_per_address: int = 0,
    exempt: Sequence[IpNetwork] = (),
) -> type[DeadlineH11Protocol]:
    """:class:`DeadlineH11Protocol` with these deadlines and this per-address cap (trusted
    proxies ``exempt``), for ``uvicorn.Config(http=...)``."""
    return type(
        "DeadlineH11Protocol",
        (DeadlineH11Protocol,),
        {
            "header_timeout": header_timeout,
            "body_timeout": body_timeout,
            "max_per_address": max_per_address,
            "exempt": tuple(exempt),
            "open_by_address": {},
        },
    )
