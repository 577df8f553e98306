"""``Retry-After`` as the channels' HTTP answers give it (Booking.com's API, iCal feed hosts).

An HTTP date is read against the same answer's ``Date`` header: both are the server's clock, so
neither our clock's skew nor its offset (``CM_CLOCK_OFFSET``) can stretch or cut the wait. An
HTTP date without a ``Date`` header to measure it from is unusable, like any malformed value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_retry_after(value: str | None, sent_at: datetime | None) -> timedelta | None:
    """``Retry-After`` as delta-seconds or an HTTP date measured from ``sent_at`` (the answer's
    ``Date``); ``None`` when absent or unusable. A date in the past means now."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    when = _http_date(text)
    if when is None or sent_at is None:
        return None
    return max(when - sent_at, timedelta(0))


def retry_after(headers: Mapping[str, str]) -> timedelta | None:
    """The wait an answer's headers ask for (httpx headers are case-insensitive)."""
    date = headers.get("date")
    return parse_retry_after(headers.get("retry-after"), _http_date(date) if date else None)
