"""``POST /ota/booking/reservations``: OTA push senders deliver OTA_HotelResNotifRQ here.

This endpoint only admits and translates: allow-listed client address (403), HTTP Basic
credentials (401), body size (413); then the body goes to the push use case
(:class:`~channel_manager.application.push_intake.PushIntake`), which decodes it with the
Booking adapter's OTA codec (400 when malformed or hostile), routes every reservation by its
HotelCode, logs, applies and answers in one transaction, and answers ``Success`` only after the
commit. Errors carry an OTA error with a 4xx status (the message is wrong: do not resend) or 5xx
(our fault: resend). The answer is bare or SOAP 1.1 as the request was. Without configured push
credentials every request is refused with 503 (fail closed: our configuration, so the sender
may retry later).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from channel_manager.application.push_intake import PushIntake
from channel_manager.container import BOOKING, Container
from channel_manager.entrypoints.rest.errors import status_for
from channel_manager.entrypoints.rest.push_gate import PushGate
from channel_manager.ports.inbound import PushRefused, RefusalReason

logger = logging.getLogger(__name__)

#: The channel whose OTA push senders deliver here: reservations are routed among its
#: connections by (channel, HotelCode).
PUSH_CHANNEL = BOOKING
PUSH_PATH = f"/ota/{PUSH_CHANNEL}/reservations"
#: Pushes decoded and stored at once, each in a thread of its own. More only adds threads
#: contending for the GIL and the connection pool: past what one process sustains, 40 threads
#: (anyio's default) made each push cost ~60% more CPU, so the overload fed itself. Waiting
#: requests queue on the event loop instead, where waiting costs nothing.
PUSH_CONCURRENCY = 4
#: The push endpoint's statuses, each answered with an OTA_HotelResNotifRS (for the OpenAPI).
_PUSH_STATUSES = {
    200: "Success: every reservation committed (OTA_HotelResNotifRS echoing their ids)",
    400: "Malformed, hostile or incomplete message (Errors; do not resend)",
    401: "HTTP Basic credentials missing or wrong",
    403: "The client address is not on CM_PUSH_ALLOWED_IPS",
    409: "A reservation's change is not possible in its current state (Errors)",
    413: "The body exceeds CM_MAX_BODY_BYTES",
    422: "Refused by the domain rules, e.g. an unknown HotelCode (Errors; do not resend)",
    500: "Our failure: nothing acknowledged, resend later",
    503: "Push is disabled (no credentials configured) or a dependency is unavailable",
}


def _xml_content() -> dict[str, OpenAPIMediaType]:
    text = Schema(type=OpenAPIType.STRING)
    return {media: OpenAPIMediaType(schema=text) for media in ("application/xml", "text/xml")}


@dataclass
class _PushOperation(Operation):
    """The push endpoint's OpenAPI operation: OTA XML in and out, bare (application/xml) or
    SOAP 1.1 (text/xml), behind HTTP Basic. Litestar cannot infer any of it from a handler that
    reads the raw body, so it is stated here.
    """

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content=_xml_content(),
            description="OTA_HotelResNotifRQ, OTA_HotelResModifyNotifRQ or OTA_CancelRQ, bare or"
            " in a SOAP 1.1 envelope",
            required=True,
        )
        self.responses = {
            str(status): OpenAPIResponse(description=text, content=_xml_content())
            for status, text in _PUSH_STATUSES.items()
        }
        self.security = [{"PushBasic": []}]


async def _read_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    too_big = PushRefused(413, RefusalReason.TOO_LARGE, f"the message exceeds {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def push_handlers(container: Container) -> list[HTTPRouteHandler]:
    """The push endpoint's route handlers, wired to ``container``."""
    settings = container.settings()
    if settings.push.username and not settings.push.allowed_ips:
        logger.warning(
            "CM_PUSH_ALLOWED_IPS is not set: any address may try the push endpoint's password; "
            "set it to the push sender's networks"
        )
    gate = PushGate(settings, container.auth_throttle())
    codec = container.push_codec()
    intake = PushIntake(
        codec,
        container.uow_factory(),
        container.intake(),
        container.message_log(),
        container.clock(),
        channel=PUSH_CHANNEL,
        endpoint=PUSH_PATH,
        status_of=lambda error: status_for(error)[0],  # a push and an API call agree
    )
    limiter: anyio.CapacityLimiter | None = None  # made on the event loop, at the first push

    # The body limit is enforced here, not by the framework, so oversize gets an OTA answer.
    @post(
        PUSH_PATH,
        tags=["ota"],
        request_max_body_size=None,
        status_code=200,
        operation_class=_PushOperation,
    )
    async def receive_reservations(request: Request[Any, Any, Any]) -> Response[bytes]:
        """OTA_HotelResNotifRQ in (bare or SOAP 1.1), OTA_HotelResNotifRS out, same form."""
        nonlocal limiter
        try:
            gate.check(
                request.client.host if request.client else None,
                request.headers.getall("x-forwarded-for", []),
                request.headers.get("authorization", ""),
            )
            body = await _read_body(request, settings.http.max_body_bytes)
        except PushRefused as refusal:
            logger.warning("push refused with %d: %s", refusal.status, refusal.message)
            answer = codec.encode_error(refusal, headers=request.headers)
        else:
            if limiter is None:
                limiter = anyio.CapacityLimiter(PUSH_CONCURRENCY)
            answer = await anyio.to_thread.run_sync(
                lambda: intake.receive(body, request.headers), limiter=limiter
            )
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.media_type,
            headers=dict(answer.headers),
        )

    return [receive_reservations]
