"""A tiny push receiver (stands in for our push endpoint) served by uvicorn in a thread."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.waiting import wait_until

OTA = "http://www.opentravel.org/OTA/2003/05"
SUCCESS = f'<OTA_HotelResNotifRS xmlns="{OTA}" Version="2.001"><Success/></OTA_HotelResNotifRS>'
ERRORS = (
    f'<OTA_HotelResNotifRS xmlns="{OTA}" Version="2.001"><Errors>'
    '<Error Type="3" Code="450">bad</Error></Errors></OTA_HotelResNotifRS>'
)


class PushReceiver:
    """Answers the scripted `(status, body)` replies in order, then Success; records requests."""

    def __init__(self, replies: list[tuple[int, str]] | None = None) -> None:
        self.replies = list(replies or [])
        self.received: list[tuple[str, bytes]] = []
        app = Starlette(
            routes=[Route("/ota/booking/reservations", self._receive, methods=["POST"])]
        )
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}/ota/booking/reservations"

    async def _receive(self, request: Request) -> Response:
        self.received.append((request.headers.get("authorization", ""), await request.body()))
        status, body = self.replies.pop(0) if self.replies else (200, SUCCESS)
        return Response(body, status_code=status, media_type="application/xml")

    def __enter__(self) -> PushReceiver:
        self._thread.start()
        wait_until(lambda: self._server.started, interval=0.01, what="the push receiver started")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
