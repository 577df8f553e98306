"""Persistence ports: one small repository per aggregate, and the unit of work holding them.

Repositories speak domain objects only. ``get`` raises
:class:`~channel_manager.domain.errors.NotFound`; ``find_*`` returns ``None`` or a list.
``add`` inserts, ``update`` overwrites an existing record (entities are frozen, so callers
pass the new version). Nothing is written until the unit of work commits.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.calendar import CalendarNight, CalendarPushLink, CalendarPushState
from channel_manager.domain.connection import (
    AuthMode,
    AuthState,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.connection_rules import ConnectionRules
from channel_manager.domain.feed import CalendarFeed, KnownEvent
from channel_manager.domain.health import HealthRecord, OutboxActivity, UnacknowledgedReservation
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.push_inbox import InboxRow, InboxState
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.domain.sync import (
    OutboundKind,
    OutboundMessage,
    OutboundState,
    OutboxSummary,
    SyncRun,
)
from channel_manager.domain.web_sessions import SigninToken, WebSession
from channel_manager.domain.webhooks import (
    DeliveryJob,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)


class OrganizationRepository(Protocol):
    """Tenants."""

    def get(self, id: UUID) -> Organization: ...
    def add(self, organization: Organization) -> None: ...
    def list(self) -> builtins.list[Organization]: ...


class ConnectionRepository(Protocol):
    """Channel connections, and which of them are due for scheduled work."""

    def get(self, id: UUID) -> Connection: ...
    def add(self, connection: Connection) -> None: ...
    def update(self, connection: Connection) -> None: ...

    def get_for_update(self, id: UUID) -> Connection:
        """The connection, its row locked until the unit of work ends (``SELECT ... FOR
        UPDATE``): read, decide and write it back without overwriting a change another
        transaction committed meanwhile (a disconnect, say). NotFound when unknown."""
        ...

    def list(
        self, organization_id: UUID, status: ConnectionStatus | None = None
    ) -> builtins.list[Connection]:
        """An organisation's connections, oldest first."""
        ...

    def find_by_external_account(self, external_account_id: str) -> builtins.list[Connection]:
        """Connections of any organisation on this channel account (for Booking.com's
        connectivity mode, the hotel id), oldest first: who a push for an unmapped hotel
        belongs to."""
        ...

    def due_for_poll(self, now: datetime, limit: int) -> builtins.list[Connection]:
        """Active connections whose ``next_poll_at`` has come; claimed (SKIP LOCKED) where
        the database supports it so concurrent workers take different ones.
        """
        ...

    def due_for_sync(self, now: datetime, limit: int) -> builtins.list[Connection]:
        """Active connections whose ``next_sync_at`` has come; claimed like ``due_for_poll``."""
        ...


class HotelClaimRepository(Protocol):
    """Which connection holds each channel hotel: one claim per ``(channel, external
    property id)``, enforced by the store itself (a unique key), so two organisations can
    never hold the same hotel even when they connect at the same moment.
    """

    def add(self, claim: HotelClaim) -> None:
        """Claim a hotel; :class:`~channel_manager.domain.errors.HotelAlreadyHeld` when a claim
        for it exists (committed, or being added by a concurrent unit of work).
        """
        ...

    def find(self, channel: str, external_property_id: str) -> HotelClaim | None:
        """The claim on the hotel, if any."""
        ...

    def list_by_connection(self, connection_id: UUID) -> builtins.list[HotelClaim]:
        """The hotels a connection holds, by external property id."""
        ...

    def release(self, channel: str, external_property_id: str) -> None:
        """End the claim on one hotel; nothing happens when there is none."""
        ...

    def release_connection(self, connection_id: UUID) -> int:
        """End every claim of a connection (it was disconnected); how many ended."""
        ...


class PropertyRepository(Protocol):
    """Our properties."""

    def get(self, id: UUID) -> Property: ...
    def add(self, property: Property) -> None: ...
    def update(self, property: Property) -> None: ...
    def list(self, organization_id: UUID) -> builtins.list[Property]: ...


class UnitRepository(Protocol):
    """Our units (sellable room types)."""

    def get(self, id: UUID) -> Unit: ...
    def add(self, unit: Unit) -> None: ...
    def update(self, unit: Unit) -> None: ...
    def list_by_property(self, property_id: UUID) -> list[Unit]: ...


class RatePlanRepository(Protocol):
    """Our rate plans."""

    def get(self, id: UUID) -> RatePlan: ...
    def add(self, rate_plan: RatePlan) -> None: ...
    def update(self, rate_plan: RatePlan) -> None: ...
    def list_by_property(self, property_id: UUID) -> list[RatePlan]: ...

    def lock(self, ids: Collection[UUID], *, exclusive: bool = False) -> None:
        """Lock the plans' rows until the unit of work ends (shared: a calendar write that
        derives their children; exclusive: a change of a plan's children or modifier), so
        the two never interleave (docs/decisions.md, derived rate plans). A no-op where the
        database serialises writers itself (SQLite)."""
        ...


class PropertyMappingRepository(Protocol):
    """Channel hotel <-> property mappings."""

    def get(self, id: UUID) -> PropertyMapping: ...
    def add(self, mapping: PropertyMapping) -> None: ...
    def update(self, mapping: PropertyMapping) -> None: ...
    def remove(self, id: UUID) -> None: ...
    def list_by_connection(self, connection_id: UUID) -> list[PropertyMapping]: ...

    def find(self, connection_id: UUID, external_property_id: str) -> PropertyMapping | None:
        """The mapping of one channel hotel within a connection, if any."""
        ...

    def find_by_hotel_code(self, external_property_id: str) -> list[PropertyMapping]:
        """Every mapping of a channel hotel across connections (push endpoint routing)."""
        ...


class UnitMappingRepository(Protocol):
    """Channel room type <-> unit mappings."""

    def add(self, mapping: UnitMapping) -> None: ...
    def remove(self, id: UUID) -> None: ...
    def list_by_property_mapping(self, property_mapping_id: UUID) -> list[UnitMapping]: ...

    def find(self, property_mapping_id: UUID, external_room_type_id: str) -> UnitMapping | None:
        """The mapping of one channel room type, if any."""
        ...


class RatePlanMappingRepository(Protocol):
    """Channel rate plan <-> rate plan mappings."""

    def add(self, mapping: RatePlanMapping) -> None: ...
    def remove(self, id: UUID) -> None: ...
    def list_by_property_mapping(self, property_mapping_id: UUID) -> list[RatePlanMapping]: ...

    def find(self, property_mapping_id: UUID, external_rate_plan_id: str) -> RatePlanMapping | None:
        """The mapping of one channel rate plan, if any."""
        ...


class ReservationRepository(Protocol):
    """Reservations with their room stays, guests and payment summary."""

    def get(self, id: UUID) -> Reservation: ...
    def add(self, reservation: Reservation) -> None: ...
    def update(self, reservation: Reservation) -> None: ...

    def get_by_external(self, connection_id: UUID, external_id: str) -> Reservation | None:
        """The reservation a channel knows as ``external_id`` on this connection, if any."""
        ...

    def list(
        self,
        organization_id: UUID,
        *,
        property_id: UUID | None = None,
        connection_id: UUID | None = None,
        status: ReservationStatus | None = None,
        arrival_from: date | None = None,
        arrival_to: date | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Reservation]:
        """An organisation's reservations by arrival, filtered; ``arrival_to`` inclusive."""
        ...

    def list_overlapping(self, unit_id: UUID, start: date, end: date) -> builtins.list[Reservation]:
        """Non-cancelled reservations with a stay of ``unit_id`` on a night in
        ``start..end`` (inclusive). (Availability reads the rooms booked per night, not this.)
        """
        ...

    def get_many_by_external(
        self, connection_id: UUID, external_ids: Collection[str]
    ) -> dict[str, Reservation]:
        """The reservations of ``external_ids`` this connection already holds, by external id,
        locked for the transaction like :meth:`get_by_external` (a batch of channel messages
        is decided in one go).
        """
        ...

    def add_many(self, reservations: Sequence[Reservation]) -> None:
        """Insert new reservations in one go. A violation (DuplicateRecord, InvalidValue,
        MissingReference) may leave the transaction unusable: the caller rolls back.
        """
        ...

    def find_by_external_id(self, external_id: str) -> builtins.list[Reservation]:
        """Every reservation a channel knows as ``external_id``, on any connection (routing a
        pushed cancellation that names no hotel).
        """
        ...

    def count_unlinked(self, connection_id: UUID) -> int:
        """How many non-cancelled reservations of the connection are not fully linked (the
        integration card's "unmapped" figure).
        """
        ...

    def count_flagged(self, connection_id: UUID) -> int:
        """How many non-cancelled reservations of the connection carry a flag (the integration
        card's "flagged" figure)."""
        ...

    def list_unlinked(
        self,
        connection_id: UUID,
        external_property_id: str,
        *,
        after: tuple[date, UUID] | None = None,
        limit: int | None = None,
    ) -> builtins.list[Reservation]:
        """Non-cancelled reservations of one channel hotel on this connection that are not
        fully linked to our inventory (no property, or a room stay without a unit): the ones
        to link again after the hotel's mapping changes. By arrival, then id; a page of at
        most ``limit`` of them, those after ``(arrival, id)`` when ``after`` is given (a
        hotel's backlog can be large: callers page rather than load it all).
        """
        ...


class CalendarRepository(Protocol):
    """Our calendar: values per unit (rate plan ``None``) or unit and rate plan, per night."""

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> builtins.list[CalendarNight]:
        """The stored nights of ``unit_ids`` in ``start..end`` (inclusive), both levels, by
        unit, then rate plan (the unit level first), then night."""
        ...

    def rooms_to_sell(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """Per unit, the rooms to sell set on its asked nights (nights without one are left
        out: the unit's count applies)."""
        ...

    def merge(self, nights: Sequence[CalendarNight]) -> None:
        """Store every field each night sets over what is stored (fields it leaves ``None``
        keep their stored value). Concurrent merges of other fields of a night lose nothing.
        """
        ...


class BookedNightRepository(Protocol):
    """Rooms booked per unit and night, kept by the transactions that apply reservations, so
    availability never recounts stored reservations."""

    def add(self, changes: Mapping[tuple[UUID, date], int]) -> dict[tuple[UUID, date], int]:
        """Add each change (negative: rooms freed) to the rooms booked on (unit, night),
        atomically with respect to concurrent units of work; the new count of each."""
        ...

    def booked(
        self, nights_by_unit: Mapping[UUID, Collection[date]]
    ) -> dict[UUID, dict[date, int]]:
        """Per unit, the rooms booked on each of its ``nights`` (0 included)."""
        ...

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> dict[UUID, dict[date, int]]:
        """Per unit of ``unit_ids``, the rooms booked on its nights in ``start..end`` that have
        a stored count (absent nights have none booked)."""
        ...


class CalendarPushRepository(Protocol):
    """Which push carries the newest value of each field of each calendar night to each
    connection."""

    def link(self, links: Sequence[CalendarPushLink]) -> None:
        """Record each link, replacing the one for the same connection, unit, rate plan,
        night and field."""
        ...

    def window(
        self, unit_ids: Collection[UUID], start: date, end: date
    ) -> builtins.list[CalendarPushState]:
        """The links of ``unit_ids``' nights in ``start..end`` with their pushes' states now."""
        ...


class CalendarFeedRepository(Protocol):
    """Feed connections' calendars (one per feed connection) and their baselines: the events
    we applied last, by reservation key."""

    def add(self, feed: CalendarFeed) -> None: ...
    def update(self, feed: CalendarFeed) -> None: ...

    def get(self, connection_id: UUID) -> CalendarFeed:
        """The connection's calendar feed; ``NotFound`` when it has none."""
        ...

    def find_by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        """The calendar whose export token hashes to ``token_hash`` (the export URL)."""
        ...

    def list_by_unit(self, unit_id: UUID) -> builtins.list[CalendarFeed]:
        """Every calendar feed filling ``unit_id``, oldest first."""
        ...

    def known_events(self, connection_id: UUID) -> builtins.list[KnownEvent]:
        """The connection's baseline, by key."""
        ...

    def put_known(self, connection_id: UUID, events: Sequence[KnownEvent]) -> None:
        """Insert or replace baseline events by key."""
        ...

    def forget_known(self, connection_id: UUID, keys: Collection[str]) -> None:
        """Remove baseline events by key (unknown keys are ignored)."""
        ...


class SyncRunRepository(Protocol):
    """Sync runs."""

    def get(self, id: UUID) -> SyncRun: ...
    def add(self, run: SyncRun) -> None: ...
    def update(self, run: SyncRun) -> None: ...

    def list_by_connection(self, connection_id: UUID, limit: int = 50) -> list[SyncRun]:
        """A connection's runs, newest first."""
        ...


class OutboundMessageRepository(Protocol):
    """The ARI outbox."""

    def get(self, id: UUID) -> OutboundMessage: ...
    def add(self, message: OutboundMessage) -> None: ...
    def update(self, message: OutboundMessage) -> None: ...

    def claim_due(
        self,
        now: datetime,
        worker_id: str,
        limit: int,
        *,
        per_connection: int | None = None,
        skip_connections: Collection[UUID] = (),
        skip_channels: Collection[str] = (),
    ) -> builtins.list[OutboundMessage]:
        """Due pending messages, started (in_flight, claimed by ``worker_id``), oldest first.

        Only messages of active connections: a revoked connection's hotel may be held by
        another connection now, and one in error cannot reach the channel until reconnected.
        Per ordering key strictly in order: never returns a message while an earlier one with
        the same ``ordering_key`` is pending or in flight. At most ``per_connection`` messages
        of one connection (``None``: no cap), and none of ``skip_connections`` or of a
        connection on one of ``skip_channels`` (issue 18: out of request budget).
        """
        ...

    def lock_mergeable(
        self, ordering_key: str, kind: OutboundKind, month: date
    ) -> OutboundMessage | None:
        """The newest undelivered (pending, in flight or failed) message of ``ordering_key``
        and ``kind`` whose payload is for ``month``, if it is pending and unclaimed, locked
        until the unit of work ends so no worker claims it meanwhile; ``None`` when there is
        none, it is in flight or failed (a replay of a failed message must not overtake newer
        values merged into an older one), or a worker is claiming it right now (issue 18:
        coalescing)."""
        ...

    def give_up_open(self, connection_id: UUID, reason: str) -> int:
        """Fail every pending or in-flight message of the connection with ``reason`` (it was
        revoked: they must never be sent); how many."""
        ...

    def give_up_revoked(self, reason: str) -> int:
        """Fail every pending or in-flight message of every revoked connection with
        ``reason`` (what a revocation before ``give_up_open`` existed left queued); how many."""
        ...

    def summary(self, connection_id: UUID) -> OutboxSummary:
        """Counts per state and when the oldest pending or in-flight message was queued."""
        ...

    def release(self, worker_id: str) -> int:
        """Return every message in flight for ``worker_id`` to pending; how many."""
        ...

    def list(
        self,
        *,
        organization_id: UUID | None = None,
        connection_id: UUID | None = None,
        state: OutboundState | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[OutboundMessage]:
        """Messages, newest first, filtered (``organization_id``: only messages of that
        organisation's connections, filtered before the page is cut)."""
        ...


class MessageLogRepository(Protocol):
    """The message log (bodies already redacted)."""

    def add(self, entry: MessageLogEntry) -> None: ...

    def add_many(self, entries: Sequence[MessageLogEntry]) -> None:
        """Append entries in one statement (the push inbox logs a batch of messages)."""
        ...

    def list(
        self, connection_id: UUID, *, limit: int = 100, offset: int = 0
    ) -> builtins.list[MessageLogEntry]:
        """A connection's messages, newest first."""
        ...

    def latest(
        self, connection_id: UUID, *, endpoint: str, direction: MessageDirection
    ) -> MessageLogEntry | None:
        """A connection's newest message at ``endpoint`` in ``direction`` (the last answer
        to a push, say), or ``None``. Indexed: it does not read the connection's log."""
        ...


class AuthStateRepository(Protocol):
    """Pending authorisation states, looked up by their ``state`` string."""

    def add(self, state: AuthState) -> None: ...
    def update(self, state: AuthState) -> None: ...

    def get(self, state: str) -> AuthState:
        """The state; raise NotFound when unknown."""
        ...

    def open_for_hotel(
        self, auth_mode: AuthMode, hotel_id: str, now: datetime
    ) -> builtins.list[AuthState]:
        """The states of ``auth_mode`` flows started for ``hotel_id`` that are neither used
        nor expired at ``now`` (flows still under way), oldest first."""
        ...


class ApiKeyRepository(Protocol):
    """API keys, found by the hash of the presented secret."""

    def add(self, key: ApiKey) -> None: ...
    def update(self, key: ApiKey) -> None: ...
    def get(self, id: UUID) -> ApiKey: ...
    def get_by_hash(self, key_hash: str) -> ApiKey | None: ...
    def list(self, organization_id: UUID) -> builtins.list[ApiKey]: ...

    def record_use(self, id: UUID, at: datetime) -> None:
        """Set only ``last_used_at`` to ``at`` unless it is later already (a concurrent
        revocation is never overwritten)."""
        ...


class WebSessionRepository(Protocol):
    """Signed-in browsers, found by the hash of their cookie's id."""

    def get(self, id_hash: str) -> WebSession | None:
        """The session, or None when unknown (expired ones are the caller's to refuse)."""
        ...

    def put(self, session: WebSession) -> None:
        """Insert the session or replace the one with the same ``id_hash``."""
        ...

    def delete(self, id_hash: str) -> None:
        """Forget the session; no error when it is already gone."""
        ...

    def purge_expired(self, now: datetime) -> int:
        """Delete every session expired at ``now``; how many."""
        ...


class SigninTokenRepository(Protocol):
    """One-time sign-in tokens, found by the hash of the token."""

    def add(self, token: SigninToken) -> None: ...

    def get(self, token_hash: str) -> SigninToken | None:
        """The token, or None when unknown (already used or purged)."""
        ...

    def take(self, token_hash: str) -> SigninToken | None:
        """Delete the token and return it; None when it is unknown. Of concurrent units of
        work taking the same token, at most one gets it (single use across processes).
        """
        ...

    def purge_expired(self, now: datetime) -> int:
        """Delete every token expired at ``now``; how many."""
        ...


class SecretRepository(Protocol):
    """Sealed secret blobs (vault output) by reference; never plaintext."""

    def get(self, ref: str) -> bytes:
        """The sealed blob; raise NotFound when unknown."""
        ...

    def put(self, ref: str, sealed: bytes) -> None:
        """Insert or replace the sealed blob under ``ref``."""
        ...

    def delete(self, ref: str) -> None:
        """Forget the blob (on disconnect); no error when it is already gone."""
        ...

    def all_refs(self) -> list[str]:
        """Every stored reference (for key rotation)."""
        ...

    def take_lease(self, ref: str, owner: str, now: datetime, until: datetime) -> bool:
        """Lease the blob under ``ref`` to ``owner`` until ``until`` unless another owner holds
        a lease that has not expired at ``now``; True when ``owner`` holds it afterwards.

        The lease makes a read-modify-write of one secret single-flight across processes
        (a rotating OAuth refresh token must be used once) without holding a transaction
        open across the network call in between. Taking it is atomic between concurrent
        units of work; NotFound when nothing is stored under ``ref``.
        """
        ...

    def release_lease(self, ref: str, owner: str) -> None:
        """End ``owner``'s lease on ``ref``; nothing happens when another owner holds it."""
        ...


class ConnectionRulesRepository(Protocol):
    """Per-connection rules (issue 18). Read at most once per connection per unit of work:
    the publish step asks on every send, and a batch of bookings sends many times."""

    def get(self, connection_id: UUID) -> ConnectionRules:
        """The connection's rules; neutral rules (:meth:`ConnectionRules.none`) when it has
        none stored."""
        ...

    def for_connections(self, connection_ids: Collection[UUID]) -> dict[UUID, ConnectionRules]:
        """The rules of each of ``connection_ids`` (neutral for those with none)."""
        ...

    def put(self, rules: ConnectionRules, now: datetime) -> None:
        """Store ``rules`` for their connection, replacing what it had."""
        ...


class PushInboxRepository(Protocol):
    """Pushed messages acknowledged and waiting to be applied (issue 17), oldest first.

    One applier at a time: :meth:`claim_due` takes the inbox's applier lock for the rest of
    the transaction (PostgreSQL: a transaction-level advisory lock; SQLite: the unit of work's
    ``BEGIN IMMEDIATE``), so rows are applied in arrival order and never by two workers.
    """

    def add(self, row: InboxRow) -> None:
        """Insert a new row (one statement: the push endpoint's only write)."""
        ...

    def get(self, id: UUID) -> InboxRow:
        """The row; NotFound when unknown (or applied: applied rows are deleted)."""
        ...

    def claim_due(
        self, now: datetime, limit: int, ids: Collection[UUID] | None = None
    ) -> builtins.list[InboxRow]:
        """Up to ``limit`` pending rows due at ``now`` (only those in ``ids`` when given),
        oldest (``received_at``, then id) first, with the applier lock held until the
        transaction ends; empty when another applier holds it."""
        ...

    def update(self, row: InboxRow) -> None:
        """Overwrite a row (a failed attempt, a retry); NotFound when it is gone."""
        ...

    def delete(self, ids: Collection[UUID]) -> None:
        """Forget applied rows."""
        ...

    def list(
        self,
        state: InboxState | None = None,
        connection_ids: Collection[UUID] | None = None,
        limit: int = 100,
    ) -> builtins.list[InboxRow]:
        """Rows (in ``state`` when given) oldest first; with ``connection_ids``, only rows
        routed (at least in part) to one of them."""
        ...

    def count(self, state: InboxState, connection_ids: Collection[UUID] | None = None) -> int:
        """How many rows are in ``state`` (routed to ``connection_ids`` when given)."""
        ...


class WebhookRepository(Protocol):
    """Webhook subscriptions, the events recorded for them and their deliveries (issue 18).

    :meth:`claim_due` takes rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers
    share deliveries without sending one twice; on SQLite the unit of work's ``BEGIN
    IMMEDIATE`` makes the claim the only writer.
    """

    def add_subscription(self, subscription: WebhookSubscription) -> None:
        """Insert a new subscription."""
        ...

    def get_subscription(self, id: UUID) -> WebhookSubscription:
        """The subscription; NotFound when unknown."""
        ...

    def subscriptions(self, organization_id: UUID) -> builtins.list[WebhookSubscription]:
        """The organisation's subscriptions, oldest first."""
        ...

    def delete_subscription(self, id: UUID) -> None:
        """Forget a subscription and its deliveries; NotFound when unknown."""
        ...

    def every_subscription(self) -> builtins.list[WebhookSubscription]:
        """Every organisation's subscriptions (re-sealing their secrets under a new key)."""
        ...

    def update_subscription(self, subscription: WebhookSubscription) -> None:
        """Overwrite a subscription; NotFound when it is gone."""
        ...

    def record(self, event: WebhookEvent, deliveries: Sequence[WebhookDelivery]) -> None:
        """Store ``event`` and its deliveries (one per subscription that wants it)."""
        ...

    def get_delivery(self, id: UUID) -> WebhookDelivery:
        """The delivery; NotFound when unknown."""
        ...

    def deliveries(
        self, subscription_id: UUID, limit: int = 100, offset: int = 0
    ) -> builtins.list[WebhookDelivery]:
        """The subscription's delivery log, newest event first, paged."""
        ...

    def purge(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` delivered or failed deliveries last changed before
        ``before``, then up to ``limit`` events created before it that no delivery refers to
        any more; how many rows went."""
        ...

    def update_delivery(self, delivery: WebhookDelivery) -> None:
        """Overwrite a delivery; NotFound when it is gone."""
        ...

    def claim_due(
        self,
        now: datetime,
        worker_id: str,
        lease_until: datetime,
        limit: int,
        *,
        per_subscription: int = 2,
    ) -> builtins.list[DeliveryJob]:
        """Up to ``limit`` pending deliveries due at ``now`` whose earlier deliveries of the
        same (subscription, order key) are all delivered or failed, each claimed for
        ``worker_id`` (due again at ``lease_until`` should it never report). Fair: never more
        than ``per_subscription`` of one subscription in flight (counting those claimed and
        not yet settled), each subscription's oldest before any one's next."""
        ...


class HealthRepository(Protocol):
    """Channel health (issue 18): each connection's poll record and last status, the
    reservations left unacknowledged at its channel, and its outbox as health reads it."""

    def get(self, connection_id: UUID) -> HealthRecord:
        """The connection's record (an empty one when nothing was recorded yet)."""
        ...

    def put(self, record: HealthRecord) -> None:
        """Store ``record`` (insert or replace)."""
        ...

    def claim_due(self, now: datetime, every: timedelta, limit: int) -> builtins.list[UUID]:
        """Active connections not evaluated since ``now - every``, oldest check first; rows
        locked (``SKIP LOCKED``) until the caller commits, so two workers split them."""
        ...

    def note_unacknowledged(
        self, connection_id: UUID, reasons: Mapping[str, str], now: datetime
    ) -> None:
        """Record reservations (external id -> why) as unacknowledged; one already recorded
        keeps its first-seen time."""
        ...

    def clear_unacknowledged(self, connection_id: UUID, external_ids: Collection[str]) -> None:
        """Forget reservations acknowledged at last."""
        ...

    def unacknowledged(self, connection_id: UUID) -> builtins.list[UnacknowledgedReservation]:
        """The connection's unacknowledged reservations, first seen first."""
        ...

    def mark_notified(
        self, connection_id: UUID, external_ids: Collection[str], now: datetime
    ) -> None:
        """Note that ``reservation.unacknowledged`` was sent for these."""
        ...

    def outbox_activity(self, connection_id: UUID, since: datetime) -> OutboxActivity:
        """The connection's outbound queue; attempts of messages active since ``since``."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository. Use as a context manager: leaving the block
    rolls back unless :meth:`commit` was called.
    """

    organizations: OrganizationRepository
    connections: ConnectionRepository
    hotel_claims: HotelClaimRepository
    properties: PropertyRepository
    units: UnitRepository
    rate_plans: RatePlanRepository
    property_mappings: PropertyMappingRepository
    unit_mappings: UnitMappingRepository
    rate_plan_mappings: RatePlanMappingRepository
    reservations: ReservationRepository
    calendar: CalendarRepository
    booked_nights: BookedNightRepository
    calendar_pushes: CalendarPushRepository
    calendar_feeds: CalendarFeedRepository
    sync_runs: SyncRunRepository
    outbound: OutboundMessageRepository
    message_log: MessageLogRepository
    auth_states: AuthStateRepository
    api_keys: ApiKeyRepository
    secrets: SecretRepository
    web_sessions: WebSessionRepository
    signin_tokens: SigninTokenRepository
    push_inbox: PushInboxRepository
    webhooks: WebhookRepository
    connection_rules: ConnectionRulesRepository
    health: HealthRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, then release the connection."""
        ...

    def commit(self) -> None:
        """Make every change of this unit of work durable."""
        ...

    def rollback(self) -> None:
        """Discard every uncommitted change."""
        ...


#: Makes a fresh unit of work per operation (never share one between requests).
UnitOfWorkFactory = Callable[[], UnitOfWork]
