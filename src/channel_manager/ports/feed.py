"""Ports towards calendar feeds (iCal): reading another side's feed and writing ours.

The iCal adapter (``adapters/ical``) implements both on the ``icalendar`` library.
"""

from __future__ import annotations

from typing import Protocol
from zoneinfo import ZoneInfo

from channel_manager.domain.feed import (
    ExportCalendar,
    FeedNotModified,
    FeedSnapshot,
    FeedValidators,
)


class FeedReader(Protocol):
    """Fetches and parses a feed URL someone gave us (user-supplied: never trusted).

    Fetching is http(s) only, conditional (``validators``), with timeouts, a size limit and a
    redirect limit, and refuses loopback, private and link-local targets (also after DNS and
    on every redirect) unless the allow-list setting lists them.

    Raises :class:`~channel_manager.domain.errors.RetryableChannelError` for what may pass
    (timeouts, 5xx, 429, resets) and :class:`~channel_manager.domain.errors.PermanentChannelError`
    for what will not (a refused address, too large, not a calendar, 4xx).
    """

    def check_url(self, url: str) -> str:
        """``url`` normalised, or :class:`~channel_manager.domain.errors.InvalidValue` with a
        message a person can act on (not http(s), no host, credentials in it, a literal
        address that is not allowed). Does no network I/O."""
        ...

    async def read(
        self,
        url: str,
        validators: FeedValidators,
        *,
        zone: ZoneInfo,
        end_is_last_night: bool = False,
    ) -> FeedSnapshot | FeedNotModified:
        """The feed at ``url`` as events in ``zone``'s local dates, or not modified."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


class FeedWriter(Protocol):
    """Renders our export feed."""

    @property
    def media_type(self) -> str:
        """The Content-Type of what :meth:`render` returns (``text/calendar; charset=utf-8``)."""
        ...

    def render(self, calendar: ExportCalendar) -> bytes:
        """``calendar`` as a valid RFC 5545 body."""
        ...
