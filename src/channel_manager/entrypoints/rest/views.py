"""Response shapes that differ from the domain's (everything else is returned as is)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import attrs

from channel_manager.application.ari import AriChangeInput
from channel_manager.application.feeds import FeedConnection
from channel_manager.application.queries import ConnectionHealth
from channel_manager.domain.ari import AvailRange, AvailRequest, RateRange
from channel_manager.domain.sync import OutboundMessage, SyncRun
from channel_manager.entrypoints.rest.feed_views import FeedView


@attrs.frozen(kw_only=True)
class ConnectionView:
    """A connection with the figures the integration card shows."""

    id: UUID
    channel: str
    auth_mode: str
    status: str
    error_reason: str | None
    external_account_id: str | None
    created_at: datetime
    last_sync_at: datetime | None
    next_poll_at: datetime | None
    next_sync_at: datetime | None
    #: Since when the connection's polls keep failing (``None`` while they succeed), and why.
    poll_failing_since: datetime | None
    poll_error: str | None
    failed_pushes: int
    pending_pushes: int
    unmapped_reservations: int
    flagged_reservations: int
    unacknowledged_reservations: int
    unacknowledged_since: datetime | None
    last_run: SyncRun | None
    #: A calendar feed connection's export URL (give it to the other side), else null.
    export_url: str | None = None
    #: A calendar feed connection's calendar (the card's figures), else null.
    feed: FeedView | None = None

    @classmethod
    def of(cls, health: ConnectionHealth, feed: FeedConnection | None = None) -> ConnectionView:
        """Flatten a connection and its health figures (and its calendar feed, if any)."""
        c = health.connection
        return cls(
            id=c.id,
            channel=c.channel,
            auth_mode=c.auth_mode.value,
            status=c.status.value,
            error_reason=c.error_reason,
            external_account_id=c.external_account_id,
            created_at=c.created_at,
            last_sync_at=c.last_sync_at,
            next_poll_at=c.next_poll_at,
            next_sync_at=c.next_sync_at,
            poll_failing_since=c.poll_failing_since,
            poll_error=c.poll_error,
            failed_pushes=health.failed_pushes,
            pending_pushes=health.pending_pushes,
            unmapped_reservations=health.unmapped_reservations,
            flagged_reservations=health.flagged_reservations,
            unacknowledged_reservations=health.unacknowledged_reservations,
            unacknowledged_since=health.unacknowledged_since,
            last_run=health.last_run,
            export_url=feed.export_url if feed is not None else None,
            feed=FeedView.of(feed) if feed is not None else None,
        )


@attrs.frozen(kw_only=True)
class PushRangeView:
    """One date range of a push, as sent."""

    room_type_code: str
    rate_plan_code: str | None
    start: date
    end: date
    booking_limit: int | None = None
    min_los: int | None = None
    max_los: int | None = None
    stop_sell: bool | None = None
    closed_to_arrival: bool | None = None
    closed_to_departure: bool | None = None
    rate: str | None = None
    currency: str | None = None


def _range_view(item: AvailRange | RateRange) -> PushRangeView:
    if isinstance(item, RateRange):
        return PushRangeView(
            room_type_code=item.room_type_code,
            rate_plan_code=item.rate_plan_code,
            start=item.start,
            end=item.end,
            rate=str(item.amount.amount),
            currency=item.amount.currency,
        )
    return PushRangeView(
        room_type_code=item.room_type_code,
        rate_plan_code=item.rate_plan_code,
        start=item.start,
        end=item.end,
        booking_limit=item.booking_limit,
        min_los=item.min_los,
        max_los=item.max_los,
        stop_sell=item.stop_sell,
        closed_to_arrival=item.closed_to_arrival,
        closed_to_departure=item.closed_to_departure,
    )


@attrs.frozen(kw_only=True)
class PushView:
    """An outbound ARI message: what it carries, its state, attempts and the channel's answer."""

    id: UUID
    connection_id: UUID
    hotel_code: str
    kind: str
    message: str
    state: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    confirmation: str | None
    created_at: datetime
    delivered_at: datetime | None
    ranges: tuple[PushRangeView, ...]

    @classmethod
    def of(cls, message: OutboundMessage) -> PushView:
        """The view of one outbox row."""
        payload = message.payload
        ota = (
            "OTA_HotelAvailNotifRQ"
            if isinstance(payload, AvailRequest)
            else "OTA_HotelRateAmountNotifRQ"
        )
        return cls(
            id=message.id,
            connection_id=message.connection_id,
            hotel_code=message.hotel_code,
            kind=message.kind.value,
            message=ota,
            state=message.state.value,
            attempts=message.attempts,
            max_attempts=message.max_attempts,
            next_attempt_at=message.next_attempt_at,
            last_error=message.last_error,
            confirmation=message.confirmation,
            created_at=message.created_at,
            delivered_at=message.delivered_at,
            ranges=tuple(_range_view(item) for item in payload.items),
        )


@attrs.frozen(kw_only=True)
class AriChangesBody:
    """The body of ``POST /connections/{id}/ari``."""

    changes: tuple[AriChangeInput, ...]


@attrs.frozen(kw_only=True)
class AcceptedPushes:
    """``202`` answer of an ARI submission: the queued push ids."""

    push_ids: tuple[UUID, ...]


@attrs.frozen(kw_only=True)
class PropertyBody:
    """The body of ``POST /properties``."""

    name: str
    currency: str
    timezone: str = "UTC"


@attrs.frozen(kw_only=True)
class UnitBody:
    """The body of ``POST /properties/{id}/units``."""

    name: str
    count: int = 1
    max_occupancy: int = 2
