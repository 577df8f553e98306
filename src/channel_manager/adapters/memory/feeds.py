"""In-memory calendar feeds and their baselines."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from uuid import UUID

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.errors import NotFound
from channel_manager.domain.feed import CalendarFeed, KnownEvent


class InMemoryCalendarFeedRepository:
    """Feeds keyed by connection id; baseline events keyed by (connection id, key)."""

    def __init__(self, feeds: TableView[CalendarFeed], known: TableView[KnownEvent]) -> None:
        self._feeds = feeds
        self._known = known

    def add(self, feed: CalendarFeed) -> None:
        """Insert (one feed per connection; a second is refused by the table)."""
        self._feeds.insert(feed.connection_id, feed)

    def update(self, feed: CalendarFeed) -> None:
        """Overwrite the stored feed of the same connection."""
        self._feeds.lock_row(feed.connection_id)
        self._feeds.replace(feed.connection_id, feed)

    def get(self, connection_id: UUID) -> CalendarFeed:
        """The connection's feed; ``NotFound`` when it has none."""
        found = self._feeds.find(connection_id)
        if found is None:
            raise NotFound("calendar feed", connection_id)
        return found

    def find_by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        """The feed whose export token hashes to ``token_hash``."""
        return next(self._feeds.select(lambda f: f.export_token_hash == token_hash), None)

    def list_by_unit(self, unit_id: UUID) -> builtins.list[CalendarFeed]:
        """Feeds filling ``unit_id``, oldest first."""
        found = self._feeds.select(lambda f: f.unit_id == unit_id)
        return sorted(found, key=lambda f: (f.created_at, str(f.connection_id)))

    def known_events(self, connection_id: UUID) -> builtins.list[KnownEvent]:
        """The connection's baseline, by key."""
        found = [
            self._known.get(key)
            for key in self._known.all_keys()
            if isinstance(key, tuple) and key[0] == connection_id
        ]
        return sorted(found, key=lambda known: known.key)

    def put_known(self, connection_id: UUID, events: Sequence[KnownEvent]) -> None:
        """Insert or replace baseline events by key."""
        for known in events:
            self._known.lock_row((connection_id, known.key))
            self._known.put((connection_id, known.key), known)

    def forget_known(self, connection_id: UUID, keys: Collection[str]) -> None:
        """Remove baseline events by key."""
        for key in keys:
            if self._known.find((connection_id, key)) is not None:
                self._known.delete((connection_id, key))
