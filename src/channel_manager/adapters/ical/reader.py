"""The :class:`~channel_manager.ports.feed.FeedReader` of iCal feeds: fetch, then parse."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from channel_manager.adapters.addresses import Resolver
from channel_manager.adapters.ical.fetch import FeedFetcher, FetchPolicy
from channel_manager.adapters.ical.parse import parse_feed
from channel_manager.domain.feed import FeedNotModified, FeedSnapshot, FeedValidators
from channel_manager.ports.clock import Clock


class HttpFeedReader:
    """Reads iCal feeds over HTTP under ``policy`` (close it with :meth:`aclose`).

    ``clock`` (the container's) gives the date, in the feed's zone, that bounds the expansion of
    recurring events (occurrences that ended before it are left out; see
    :func:`~channel_manager.adapters.ical.parse.parse_feed`).
    ``resolver`` replaces the system's DNS lookup (tests).
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        clock: Clock,
        resolver: Resolver | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._fetcher = FeedFetcher(policy, resolver=resolver)

    def check_url(self, url: str) -> str:
        """``url`` normalised, or ``InvalidValue`` saying what is wrong with it; no I/O."""
        return self._fetcher.check_url(url)

    async def read(
        self,
        url: str,
        validators: FeedValidators,
        *,
        zone: ZoneInfo,
        end_is_last_night: bool = False,
    ) -> FeedSnapshot | FeedNotModified:
        """The feed at ``url`` as events in ``zone``'s local dates, or not modified."""
        fetched = await self._fetcher.fetch(url, validators)
        if isinstance(fetched, FeedNotModified):
            return fetched
        parsed = parse_feed(
            fetched.body,
            zone,
            end_is_last_night=end_is_last_night,
            today=self._clock.now().astimezone(zone).date(),
        )
        return FeedSnapshot(
            events=parsed.events,
            problems=parsed.problems,
            validators=fetched.validators,
            producer=parsed.producer,
            size=len(fetched.body),
        )

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self._fetcher.aclose()
