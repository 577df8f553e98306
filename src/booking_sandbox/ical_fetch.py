"""The sandbox fetching a listing's imported feed (our export) the way Airbnb does.

A conditional GET (``If-None-Match`` with the ETag of the last answer, ``If-Modified-Since``
with its Last-Modified) with a browser-like User-Agent, following at most 5 redirects, reading
at most `MAX_FEED_BYTES`; a 200 is parsed with `icalendar` and its events become the busy
ranges, a 304 keeps the ranges of the last 200.
"""

from __future__ import annotations

import datetime as dt
import logging

import httpx
import icalendar

from booking_sandbox.ical import FeedCalendars, FeedImport, ImportedRange

logger = logging.getLogger(__name__)

#: What the sandbox says it is when fetching (Airbnb's fetcher sends a User-Agent too).
USER_AGENT = "Mozilla/5.0 (compatible; Airbnb-Calendar-Sync/1.0; +booking-sandbox)"
#: Feeds larger than this are refused (a recorded error, the last ranges kept).
MAX_FEED_BYTES = 5 * 1024 * 1024
#: Seconds a fetch may take.
FETCH_TIMEOUT = 10.0


class FeedFetchError(Exception):
    """The imported feed could not be fetched or read."""


def busy_ranges(body: bytes) -> list[ImportedRange]:
    """Every VEVENT of a feed as a busy range (date-times become their UTC dates; a missing
    DTEND means one night). Raises FeedFetchError when the body is no calendar."""
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except ValueError as exc:
        raise FeedFetchError(f"not an iCalendar feed: {exc}") from exc
    ranges = []
    for event in calendar.walk("VEVENT"):
        start = _day(event.decoded("dtstart"))
        end = _day(event.decoded("dtend")) if "dtend" in event else start + dt.timedelta(days=1)
        ranges.append(
            ImportedRange(str(event.get("uid", "")), start, end, str(event.get("summary", "")))
        )
    return sorted(ranges, key=lambda r: (r.start, r.end, r.uid))


def _day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return value


async def fetch_import(feed: FeedImport, now: dt.datetime) -> FeedImport:
    """Fetch `feed.url` now; the returned record holds the outcome (status, ranges, error)."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    outcome = FeedImport(feed.url, feed.etag, feed.last_modified, now, None, None, feed.ranges)
    try:
        async with (
            httpx.AsyncClient(
                timeout=FETCH_TIMEOUT, follow_redirects=True, max_redirects=5
            ) as client,
            client.stream("GET", feed.url, headers=headers) as response,
        ):
            outcome.status = response.status_code
            if response.status_code == 304:
                return outcome
            if response.status_code != 200:
                outcome.error = f"HTTP {response.status_code}"
                return outcome
            outcome.ranges = busy_ranges(await _read_limited(response))
            outcome.etag = response.headers.get("etag")
            outcome.last_modified = response.headers.get("last-modified")
    except (httpx.HTTPError, FeedFetchError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


async def _read_limited(response: httpx.Response) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_FEED_BYTES:
            raise FeedFetchError(f"feed larger than {MAX_FEED_BYTES} bytes")
    return bytes(body)


async def fetch_listing(calendars: FeedCalendars, listing_id: str) -> FeedImport:
    """Fetch the listing's import now and keep the outcome on the listing (UnknownListingError
    without a listing, LookupError without an import URL)."""
    feed = calendars.listing(listing_id).feed_import
    if feed is None:
        raise LookupError(f"listing {listing_id} has no import URL")
    outcome = await fetch_import(feed, calendars.clock())
    with calendars.lock:
        listing = calendars.listing(listing_id)
        if listing.feed_import is not None and listing.feed_import.url == feed.url:
            listing.feed_import = outcome
    return outcome


async def fetch_all(calendars: FeedCalendars) -> None:
    """Fetch every listing's import once (what the background importer does each round)."""
    for listing_id, listing in list(calendars.listings.items()):
        if listing.feed_import is None:
            continue
        outcome = await fetch_listing(calendars, listing_id)
        if outcome.error:
            logger.info("import of listing %s failed: %s", listing_id, outcome.error)
