"""An in-memory ``FeedReader``: feeds as snapshots by URL, for tests and demos.

Each URL holds the events its feed shows now (already in the property's dates) and a version;
its ETag is the version, so a read with the current ETag answers not modified (304). Tests
edit a feed (:meth:`InMemoryFeedReader.publish`, :meth:`~InMemoryFeedReader.add`,
:meth:`~InMemoryFeedReader.remove`) as the other side would, and script failures
(:meth:`~InMemoryFeedReader.fail_next`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import attrs

from channel_manager.domain.errors import InvalidValue, PermanentChannelError
from channel_manager.domain.feed import (
    FeedEvent,
    FeedNotModified,
    FeedProblem,
    FeedSnapshot,
    FeedValidators,
)

#: Airbnb's PRODID, the default producer of a published feed.
AIRBNB_PRODID = "-//Airbnb Inc//Hosting Calendar 1.0//EN"


@attrs.define
class _Feed:
    events: list[FeedEvent]
    producer: str | None
    problems: tuple[FeedProblem, ...] = ()
    version: int = 1

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'


@attrs.define(kw_only=True)
class FeedRead:
    """One call of :meth:`InMemoryFeedReader.read`, as the reader saw it."""

    url: str
    validators: FeedValidators
    zone: ZoneInfo
    end_is_last_night: bool


class InMemoryFeedReader:
    """``FeedReader`` over feeds held in memory (see the module)."""

    def __init__(self) -> None:
        self._feeds: dict[str, _Feed] = {}
        self._failures: list[Exception] = []
        #: Every read, oldest first.
        self.reads: list[FeedRead] = []
        self.closed = False

    # -- what the other side does ------------------------------------------------------
    def publish(
        self,
        url: str,
        events: Iterable[FeedEvent],
        *,
        producer: str | None = AIRBNB_PRODID,
        problems: Iterable[FeedProblem] = (),
    ) -> None:
        """Make ``url`` show exactly ``events`` (a new version, so a new ETag)."""
        current = self._feeds.get(url)
        version = 1 if current is None else current.version + 1
        self._feeds[url] = _Feed(list(events), producer, tuple(problems), version)

    def events(self, url: str) -> list[FeedEvent]:
        """What ``url`` shows now."""
        return list(self._feeds[url].events)

    def add(self, url: str, event: FeedEvent) -> None:
        """Add one event to ``url``'s feed."""
        feed = self._feeds[url]
        self.publish(url, [*feed.events, event], producer=feed.producer, problems=feed.problems)

    def remove(self, url: str, event: FeedEvent) -> None:
        """Take one event out of ``url``'s feed (a cancellation, an unblocked range)."""
        feed = self._feeds[url]
        kept = [e for e in feed.events if e != event]
        self.publish(url, kept, producer=feed.producer, problems=feed.problems)

    def replace(self, url: str, before: FeedEvent, after: FeedEvent) -> None:
        """Change one event of ``url``'s feed (new dates, a re-issued UID ...)."""
        feed = self._feeds[url]
        events = [after if e == before else e for e in feed.events]
        self.publish(url, events, producer=feed.producer, problems=feed.problems)

    def fail_next(self, error: Exception, times: int = 1) -> None:
        """Make the next ``times`` reads (of any URL) raise ``error``."""
        self._failures.extend([error] * times)

    # -- FeedReader ----------------------------------------------------------------------
    def check_url(self, url: str) -> str:
        """``url`` stripped; ``InvalidValue`` unless it is an http(s) URL with a host."""
        text = url.strip()
        parts = urlsplit(text)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise InvalidValue(f"{text!r} is not an http:// or https:// calendar address")
        return text

    async def read(
        self,
        url: str,
        validators: FeedValidators,
        *,
        zone: ZoneInfo,
        end_is_last_night: bool = False,
    ) -> FeedSnapshot | FeedNotModified:
        """The feed at ``url`` (its events are already in local dates: ``zone`` and
        ``end_is_last_night`` are only recorded), or not modified for its current ETag."""
        self.reads.append(
            FeedRead(url=url, validators=validators, zone=zone, end_is_last_night=end_is_last_night)
        )
        if self._failures:
            raise self._failures.pop(0)
        feed = self._feeds.get(url)
        if feed is None:
            raise PermanentChannelError("404", f"no calendar at {url}")
        current = FeedValidators(etag=feed.etag)
        if validators.etag == feed.etag:
            return FeedNotModified(validators=current)
        return FeedSnapshot(
            events=tuple(feed.events),
            problems=feed.problems,
            validators=current,
            producer=feed.producer,
            size=100 * len(feed.events),
        )

    async def aclose(self) -> None:
        """Nothing is held open; recorded for tests of the shutdown."""
        self.closed = True
