"""In-memory reservations, outbound queue, sync runs, message log and sealed secrets."""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from uuid import UUID

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import NotFound
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.domain.sync import OutboundMessage, OutboundState, OutboxSummary, SyncRun
from channel_manager.ports.errors import DuplicateRecord

_OPEN_STATES = (OutboundState.PENDING, OutboundState.IN_FLIGHT)


class InMemoryReservationRepository:
    """Reservations; unique per (connection, external id)."""

    def __init__(self, rows: TableView[Reservation], connections: TableView[Connection]) -> None:
        self._rows = rows
        self._connections = connections

    def get(self, id: UUID) -> Reservation:
        """The reservation; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, reservation: Reservation) -> None:
        """Insert; an existing (connection, external id) is a DuplicateRecord."""
        if self.get_by_external(reservation.connection_id, reservation.external_id) is not None:
            raise DuplicateRecord(
                "reservation", f"{reservation.connection_id}/{reservation.external_id}"
            )
        self._rows.insert(reservation.id, reservation)

    def update(self, reservation: Reservation) -> None:
        """Overwrite an existing reservation."""
        self._rows.replace(reservation.id, reservation)

    def get_by_external(self, connection_id: UUID, external_id: str) -> Reservation | None:
        """The reservation ``external_id`` of this connection, if any."""
        return next(
            self._rows.select(
                lambda r: r.connection_id == connection_id and r.external_id == external_id
            ),
            None,
        )

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
        """An organisation's reservations by arrival (then id); ``arrival_to`` inclusive."""
        owned = {
            c.id for c in self._connections.select(lambda c: c.organization_id == organization_id)
        }

        def matches(r: Reservation) -> bool:
            return (
                r.connection_id in owned
                and property_id in (None, r.property_id)
                and connection_id in (None, r.connection_id)
                and status in (None, r.status)
                and (arrival_from is None or r.arrival >= arrival_from)
                and (arrival_to is None or r.arrival <= arrival_to)
            )

        found = sorted(self._rows.select(matches), key=lambda r: (r.arrival, r.id))
        return found[offset : offset + limit]

    def list_overlapping(self, unit_id: UUID, start: date, end: date) -> builtins.list[Reservation]:
        """Non-cancelled reservations with a stay of ``unit_id`` on a night in ``start..end``."""

        def overlaps(r: Reservation) -> bool:
            return not r.is_cancelled and any(
                stay.unit_id == unit_id and stay.arrival <= end and stay.departure > start
                for stay in r.room_stays
            )

        return sorted(self._rows.select(overlaps), key=lambda r: (r.arrival, r.id))

    def get_many_by_external(
        self, connection_id: UUID, external_ids: Collection[str]
    ) -> dict[str, Reservation]:
        """The reservations of ``external_ids`` on this connection, by external id."""
        wanted = set(external_ids)
        return {
            r.external_id: r
            for r in self._rows.select(
                lambda r: r.connection_id == connection_id and r.external_id in wanted
            )
        }

    def add_many(self, reservations: Sequence[Reservation]) -> None:
        """Insert every reservation; a duplicate (stored or within the batch) inserts none."""
        keys = [(r.connection_id, r.external_id) for r in reservations]
        stored = {(r.connection_id, r.external_id) for r in self._rows.select(lambda _r: True)}
        seen: set[tuple[UUID, str]] = set()
        for key in keys:
            if key in stored or key in seen:
                raise DuplicateRecord("reservation", f"{key[0]}/{key[1]}")
            seen.add(key)
        for reservation in reservations:
            self._rows.insert(reservation.id, reservation)

    def find_by_external_id(self, external_id: str) -> builtins.list[Reservation]:
        """Every reservation with this channel id, on any connection."""
        found = self._rows.select(lambda r: r.external_id == external_id)
        return sorted(found, key=lambda r: (str(r.connection_id), str(r.id)))

    def count_flagged(self, connection_id: UUID) -> int:
        """Non-cancelled reservations with at least one flag, counted."""
        return sum(
            1
            for _ in self._rows.select(
                lambda r: r.connection_id == connection_id and not r.is_cancelled and bool(r.flags)
            )
        )

    def count_unlinked(self, connection_id: UUID) -> int:
        """Non-cancelled reservations with no property or an unmapped stay, counted."""
        return sum(
            1
            for r in self._rows.select(lambda r: r.connection_id == connection_id)
            if not r.is_cancelled and (r.property_id is None or r.has_unmapped_rooms)
        )

    def list_unlinked(
        self,
        connection_id: UUID,
        external_property_id: str,
        *,
        after: tuple[date, UUID] | None = None,
        limit: int | None = None,
    ) -> builtins.list[Reservation]:
        """Non-cancelled reservations of the hotel with no property or an unmapped stay; a
        page after ``(arrival, id)``."""

        def unlinked(r: Reservation) -> bool:
            return (
                r.connection_id == connection_id
                and r.external_property_id == external_property_id
                and not r.is_cancelled
                and (r.property_id is None or r.has_unmapped_rooms)
                and (after is None or (r.arrival, r.id) > after)
            )

        found = sorted(self._rows.select(unlinked), key=lambda r: (r.arrival, r.id))
        return found if limit is None else found[:limit]


class InMemoryOutboundMessageRepository:
    """The outbox; claiming follows the SQL adapter's per-ordering-key rule."""

    def __init__(
        self,
        rows: TableView[OutboundMessage],
        connections: TableView[Connection],
        on_add: Callable[[], None] = lambda: None,
    ) -> None:
        self._rows = rows
        self._connections = connections
        self._on_add = on_add  # the unit of work notes that it holds outbound work

    def get(self, id: UUID) -> OutboundMessage:
        """The message; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, message: OutboundMessage) -> None:
        """Queue a message; a reused idempotency key is a DuplicateRecord."""
        if self.find_by_idempotency_key(message.idempotency_key) is not None:
            raise DuplicateRecord("outbound message", message.idempotency_key)
        self._rows.insert(message.id, message)
        self._on_add()

    def update(self, message: OutboundMessage) -> None:
        """Overwrite a message."""
        self._rows.replace(message.id, message)

    def find_by_idempotency_key(self, idempotency_key: str) -> OutboundMessage | None:
        """The message queued under ``idempotency_key``, if any."""
        return next(self._rows.select(lambda m: m.idempotency_key == idempotency_key), None)

    def claim_due(
        self, now: datetime, worker_id: str, limit: int
    ) -> builtins.list[OutboundMessage]:
        """Start up to ``limit`` due head-of-line messages of active connections for
        ``worker_id``, oldest first."""
        everything = sorted(self._rows.values(), key=lambda m: (m.created_at, m.id))
        active = {c.id for c in self._connections.select(lambda c: c.is_active)}
        blocked_keys: set[str] = set()
        started: builtins.list[OutboundMessage] = []
        for message in everything:
            if len(started) == limit:
                break
            if message.state not in _OPEN_STATES:
                continue
            is_head = message.ordering_key not in blocked_keys
            blocked_keys.add(message.ordering_key)
            if not (is_head and message.connection_id in active):
                continue
            if message.is_claimable(now) and self._rows.try_claim(message.id):
                begun = message.start_attempt(now, worker_id)
                self._rows.put(begun.id, begun)
                started.append(begun)
        return started

    def give_up_open(self, connection_id: UUID, reason: str) -> int:
        """Fail every pending or in-flight message of the connection with ``reason``."""
        open_messages = list(
            self._rows.select(
                lambda m: m.connection_id == connection_id and m.state in _OPEN_STATES
            )
        )
        for message in open_messages:
            self._rows.put(message.id, message.fail_permanently(reason))
        return len(open_messages)

    def give_up_revoked(self, reason: str) -> int:
        """Fail every open message of a revoked connection with ``reason``; how many."""
        revoked = [
            c.id for c in self._connections.select(lambda c: c.status is ConnectionStatus.REVOKED)
        ]
        return sum(self.give_up_open(connection_id, reason) for connection_id in revoked)

    def summary(self, connection_id: UUID) -> OutboxSummary:
        """Counts per state and the oldest open message."""
        mine = list(self._rows.select(lambda m: m.connection_id == connection_id))
        counts = Counter(m.state for m in mine)
        open_states = {OutboundState.PENDING, OutboundState.IN_FLIGHT}
        oldest = min((m.created_at for m in mine if m.state in open_states), default=None)
        return OutboxSummary(counts=dict(counts), oldest_open_at=oldest)

    def release(self, worker_id: str) -> int:
        """Return every message in flight for ``worker_id`` to pending; how many."""
        in_flight = list(
            self._rows.select(
                lambda m: m.state is OutboundState.IN_FLIGHT and m.claimed_by == worker_id
            )
        )
        for message in in_flight:
            self._rows.put(message.id, message.release())
        return len(in_flight)

    def list(
        self,
        *,
        organization_id: UUID | None = None,
        connection_id: UUID | None = None,
        state: OutboundState | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[OutboundMessage]:
        """Messages, newest first (then by id descending), filtered and paged."""
        owned = (
            None
            if organization_id is None
            else {
                c.id
                for c in self._connections.select(lambda c: c.organization_id == organization_id)
            }
        )
        found = self._rows.select(
            lambda m: (
                connection_id in (None, m.connection_id)
                and state in (None, m.state)
                and (owned is None or m.connection_id in owned)
            )
        )
        ordered = sorted(found, key=lambda m: (m.created_at, m.id), reverse=True)
        return ordered[offset : offset + limit]


class InMemorySyncRunRepository:
    """Sync runs."""

    def __init__(self, rows: TableView[SyncRun]) -> None:
        self._rows = rows

    def get(self, id: UUID) -> SyncRun:
        """The run; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, run: SyncRun) -> None:
        """Record a new run."""
        self._rows.insert(run.id, run)

    def update(self, run: SyncRun) -> None:
        """Overwrite a run."""
        self._rows.replace(run.id, run)

    def list_by_connection(self, connection_id: UUID, limit: int = 50) -> list[SyncRun]:
        """A connection's runs, newest first."""
        found = self._rows.select(lambda r: r.connection_id == connection_id)
        return sorted(found, key=lambda r: (r.started_at, r.id), reverse=True)[:limit]


class InMemoryMessageLogRepository:
    """The message log."""

    def __init__(self, rows: TableView[MessageLogEntry]) -> None:
        self._rows = rows

    def add(self, entry: MessageLogEntry) -> None:
        """Append an entry."""
        self._rows.insert(entry.id, entry)

    def list(
        self, connection_id: UUID, *, limit: int = 100, offset: int = 0
    ) -> builtins.list[MessageLogEntry]:
        """A connection's messages, newest first."""
        found = self._rows.select(lambda e: e.connection_id == connection_id)
        ordered = sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)
        return ordered[offset : offset + limit]

    def latest(
        self, connection_id: UUID, *, endpoint: str, direction: MessageDirection
    ) -> MessageLogEntry | None:
        """A connection's newest message at ``endpoint`` in ``direction``, or ``None``."""
        found = self._rows.select(
            lambda e: (
                e.connection_id == connection_id
                and e.endpoint == endpoint
                and e.direction is direction
            )
        )
        return max(found, key=lambda e: (e.created_at, e.id), default=None)


class InMemorySecretRepository:
    """Sealed secret blobs by reference, and their leases (owner, until) beside them."""

    def __init__(self, rows: TableView[bytes], leases: TableView[tuple[str, datetime]]) -> None:
        self._rows = rows
        self._leases = leases

    def get(self, ref: str) -> bytes:
        """The sealed blob; NotFound when unknown."""
        found = self._rows.find(ref)
        if found is None:
            raise NotFound("secret", ref)
        return found

    def put(self, ref: str, sealed: bytes) -> None:
        """Insert or replace the blob under ``ref``."""
        self._rows.put(ref, bytes(sealed))

    def delete(self, ref: str) -> None:
        """Forget the blob (and its lease); no error when it is already gone."""
        self._rows.delete(ref)
        self._leases.delete(ref)

    def all_refs(self) -> list[str]:
        """Every stored reference, sorted."""
        return sorted(str(ref) for ref in self._rows.all_keys())

    def take_lease(self, ref: str, owner: str, now: datetime, until: datetime) -> bool:
        """Like the database's conditional UPDATE: the row claim stands in for its row lock,
        so a unit of work racing another open one for the same lease does not get it."""
        self.get(ref)
        if not self._leases.try_claim(ref):
            return False
        held = self._leases.find(ref)
        if held is not None and held[0] != owner and held[1] > now:
            return False
        self._leases.put(ref, (owner, until))
        return True

    def release_lease(self, ref: str, owner: str) -> None:
        """Clear ``owner``'s lease; another owner's lease stays."""
        held = self._leases.find(ref)
        if held is not None and held[0] == owner:
            self._leases.delete(ref)
