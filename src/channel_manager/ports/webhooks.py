"""How webhook deliveries leave: a transport that checks a subscriber's URL and POSTs to it
under the same address rules as feed fetching (no private targets unless allowed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class WebhookTransport(Protocol):
    """POSTs signed bodies to subscribers' URLs."""

    async def check(self, url: str) -> str:
        """``url`` normalised if a webhook may be sent there (scheme, host, every address it
        resolves to), else ``InvalidValue`` saying why."""
        ...

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST ``body`` and return the answer's status code (redirects are not followed).
        ``RetryableChannelError`` when the receiver could not be reached in time;
        ``PermanentChannelError`` when its address is not allowed."""
        ...

    async def aclose(self) -> None:
        """Close the connection pool."""
        ...
