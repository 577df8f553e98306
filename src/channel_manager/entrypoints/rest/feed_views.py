"""What the JSON API shows of a calendar feed connection (its card): never the import URL
whole, only ``scheme://host/…``."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from channel_manager.application.feeds import FeedConnection, FeedService
from channel_manager.domain.errors import NotFound


@attrs.frozen(kw_only=True)
class FeedView:
    """A calendar feed: its unit, options and what the last fetches found."""

    name: str
    unit_id: UUID
    unit_name: str
    property_name: str
    #: The other side's URL as it may be shown: scheme and host only.
    import_url_masked: str
    end_is_last_night: bool
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    stays: int
    blocks: int
    problems: tuple[str, ...]
    #: True while the latest snapshot is held back (empty or much smaller: not applied until
    #: a later fetch confirms it), since when and why.
    suspect: bool
    suspect_since: datetime | None
    suspect_reason: str | None

    @classmethod
    def of(cls, found: FeedConnection) -> FeedView:
        """The card's view of a feed connection."""
        feed = found.feed
        return cls(
            name=feed.name,
            unit_id=feed.unit_id,
            unit_name=found.unit_name,
            property_name=found.property_name,
            import_url_masked=found.import_url_masked,
            end_is_last_night=feed.end_is_last_night,
            last_fetch_at=feed.last_fetch_at,
            last_success_at=feed.last_success_at,
            last_error=feed.last_error,
            stays=feed.stays,
            blocks=feed.blocks,
            problems=feed.problems,
            suspect=feed.suspect_since is not None,
            suspect_since=feed.suspect_since,
            suspect_reason=feed.suspect_reason,
        )


def feed_of(
    feeds: FeedService, organization_id: UUID, connection_id: UUID
) -> FeedConnection | None:
    """The connection's feed if it is a (not revoked) feed connection of the organisation."""
    try:
        return feeds.get(organization_id, connection_id)
    except NotFound:
        return None
