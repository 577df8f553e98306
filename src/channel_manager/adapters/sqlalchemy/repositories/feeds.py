"""Calendar feeds (``calendar_feeds``) and their baselines (``feed_known_events``)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Collection, Sequence
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.base import Row
from channel_manager.domain.feed import (
    CalendarFeed,
    FeedEvent,
    FeedEventKind,
    FeedValidators,
    KnownEvent,
)

#: Most keys one ``IN (...)`` binds.
_CHUNK = 400


def _feed_to_row(feed: CalendarFeed) -> Row:
    return {
        "connection_id": feed.connection_id,
        "unit_id": feed.unit_id,
        "name": feed.name,
        "export_token_hash": feed.export_token_hash,
        "end_is_last_night": feed.end_is_last_night,
        "etag": feed.validators.etag,
        "last_modified": feed.validators.last_modified,
        "last_fetch_at": feed.last_fetch_at,
        "last_success_at": feed.last_success_at,
        "last_error": feed.last_error,
        "stays": feed.stays,
        "blocks": feed.blocks,
        "problems": json.dumps(list(feed.problems)),
        "suspect_since": feed.suspect_since,
        "suspect_reason": feed.suspect_reason,
        "suspect_fingerprint": feed.suspect_fingerprint,
        "created_at": feed.created_at,
    }


def _feed_from_row(row: sa.RowMapping) -> CalendarFeed:
    return CalendarFeed(
        connection_id=row["connection_id"],
        unit_id=row["unit_id"],
        name=row["name"],
        export_token_hash=row["export_token_hash"],
        end_is_last_night=row["end_is_last_night"],
        validators=FeedValidators(etag=row["etag"], last_modified=row["last_modified"]),
        last_fetch_at=row["last_fetch_at"],
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        stays=row["stays"],
        blocks=row["blocks"],
        problems=tuple(str(problem) for problem in json.loads(row["problems"] or "[]")),
        suspect_since=row["suspect_since"],
        suspect_reason=row["suspect_reason"],
        suspect_fingerprint=row["suspect_fingerprint"],
        created_at=row["created_at"],
    )


def _known_to_row(connection_id: UUID, known: KnownEvent) -> Row:
    event = known.event
    return {
        "connection_id": connection_id,
        "key": known.key,
        "uid": event.uid,
        "start": event.start,
        "end": event.end,
        "kind": event.kind.value,
        "summary": event.summary,
        "confirmation_code": event.confirmation_code,
        "phone_last_digits": event.phone_last_digits,
        "guest_name": event.guest_name,
    }


def _known_from_row(row: sa.RowMapping) -> KnownEvent:
    return KnownEvent(
        key=row["key"],
        event=FeedEvent(
            uid=row["uid"],
            start=row["start"],
            end=row["end"],
            kind=FeedEventKind(row["kind"]),
            summary=row["summary"],
            confirmation_code=row["confirmation_code"],
            phone_last_digits=row["phone_last_digits"],
            guest_name=row["guest_name"],
        ),
    )


class SqlAlchemyCalendarFeedRepository:
    """Feeds by connection id; the baseline by (connection id, key)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._feeds = TableAccess(connection, tables.calendar_feeds, "calendar feed")

    def add(self, feed: CalendarFeed) -> None:
        """Insert (one feed per connection, one per export token hash)."""
        self._feeds.insert(_feed_to_row(feed), feed.connection_id)

    def update(self, feed: CalendarFeed) -> None:
        """Overwrite the stored feed of the same connection; ``NotFound`` when there is none."""
        self._feeds.update(_feed_to_row(feed), key_column="connection_id")

    def get(self, connection_id: UUID) -> CalendarFeed:
        """The connection's feed; ``NotFound`` when it has none."""
        return self._feeds.one(_feed_from_row, connection_id, key_column="connection_id")

    def find_by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        """The feed whose export token hashes to ``token_hash``."""
        return self._feeds.first_by(_feed_from_row, export_token_hash=token_hash)

    def list_by_unit(self, unit_id: UUID) -> builtins.list[CalendarFeed]:
        """Feeds filling ``unit_id``, oldest first."""
        table = tables.calendar_feeds
        return self._feeds.many(
            _feed_from_row,
            table.c.unit_id == unit_id,
            order_by=(table.c.created_at, table.c.connection_id),
        )

    def known_events(self, connection_id: UUID) -> builtins.list[KnownEvent]:
        """The connection's baseline, by key."""
        table = tables.feed_known_events
        statement = (
            sa.select(table).where(table.c.connection_id == connection_id).order_by(table.c.key)
        )
        return [_known_from_row(row) for row in self._connection.execute(statement).mappings()]

    def put_known(self, connection_id: UUID, events: Sequence[KnownEvent]) -> None:
        """Insert or replace baseline events by key (the last of one key wins)."""
        latest = {known.key: known for known in events}
        if not latest:
            return
        self.forget_known(connection_id, latest.keys())
        self._connection.execute(
            tables.feed_known_events.insert(),
            [_known_to_row(connection_id, known) for known in latest.values()],
        )

    def forget_known(self, connection_id: UUID, keys: Collection[str]) -> None:
        """Remove baseline events by key (unknown keys are ignored)."""
        table = tables.feed_known_events
        ordered = sorted(set(keys))
        for start in range(0, len(ordered), _CHUNK):
            self._connection.execute(
                table.delete().where(
                    table.c.connection_id == connection_id,
                    table.c.key.in_(ordered[start : start + _CHUNK]),
                )
            )
