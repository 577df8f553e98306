"""The one HTTP client the Booking.com adapter uses per process.

``BookingHttp`` owns an ``httpx.AsyncClient`` (connection pool, timeouts), turns transport
failures into retryable domain errors and hands every request and response to the message
sink with secrets masked. It does not retry: callers decide, because the rules differ per call
(acknowledgements retry 5xx, fetches and pushes never do).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from channel_manager.adapters.booking.endpoints import BookingEndpoints
from channel_manager.adapters.booking.errors import ChannelTimeoutError, ChannelUnreachableError
from channel_manager.adapters.booking.message_log import (
    MessageRecord,
    MessageSink,
    discard_messages,
    extract_ruid,
    mask_body,
)
from channel_manager.adapters.booking.redaction import redact_xml_body
from channel_manager.domain.messages import MessageDirection

#: Connect quickly or fail; allow reservation pages and big ARI answers time to arrive.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "channel-manager/0.1 (+https://github.com/channel-manager)"


#: Key of ``httpx.Response.extensions`` holding the message-log id of the logged response.
MESSAGE_LOG_ID = "channel_manager.message_log_id"


def message_log_id(response: httpx.Response) -> UUID | None:
    """The message-log id the sink gave ``response`` (``None`` when it was not stored)."""
    value = response.extensions.get(MESSAGE_LOG_ID)
    return value if isinstance(value, UUID) else None


class BookingHttp:
    """The process-wide async HTTP client for Booking.com (close it with :meth:`aclose`)."""

    def __init__(
        self,
        endpoints: BookingEndpoints,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        sink: MessageSink = discard_messages,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.endpoints = endpoints
        self.sink = sink
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    @property
    def is_closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._client.is_closed

    async def aclose(self) -> None:
        """Close the connection pool; call once on shutdown."""
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        message_type: str,
        content: bytes | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        connection_id: UUID | None = None,
    ) -> httpx.Response:
        """Send one request and return the response, whatever its status.

        Raises ``ChannelTimeoutError`` or ``ChannelUnreachableError`` (both retryable) when no
        response arrived. The response body is read in full so the sink can log it.
        """
        request = self._client.build_request(
            method, url, content=content, json=json, data=data, params=params, headers=headers
        )
        await self._record(MessageDirection.OUTBOUND, message_type, request, None, connection_id)
        started = time.monotonic()
        try:
            response = await self._client.send(request)
            await response.aread()
        except httpx.TimeoutException as error:
            elapsed = time.monotonic() - started
            raise ChannelTimeoutError(
                f"{method} {request.url.path} timed out after {elapsed:.1f} s"
            ) from error
        except (httpx.TransportError, httpx.DecodingError) as error:
            # Resets, refused connections and truncated bodies: no usable answer arrived.
            raise ChannelUnreachableError(
                f"{method} {request.url.path} failed: {type(error).__name__}: {error}"
            ) from error
        logged = await self._record(
            MessageDirection.INBOUND, message_type, request, response, connection_id
        )
        response.extensions[MESSAGE_LOG_ID] = logged
        return response

    async def _record(
        self,
        direction: MessageDirection,
        message_type: str,
        request: httpx.Request,
        response: httpx.Response | None,
        connection_id: UUID | None,
    ) -> UUID | None:
        source = response if response is not None else request
        body = source.content
        return await self.sink(
            MessageRecord(
                direction=direction,
                message_type=message_type,
                method=request.method,
                endpoint=str(request.url.copy_with(query=None)),
                body=mask_body(body, source.headers.get("Content-Type", ""), redact_xml_body),
                at=self._clock(),
                status=response.status_code if response is not None else None,
                ruid=extract_ruid(body) if response is not None else None,
                connection_id=connection_id,
            )
        )
