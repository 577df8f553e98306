"""Apply the push inbox (issue 17): pushed messages, acknowledged on arrival, applied in batches.

The push endpoint (:class:`~channel_manager.application.push_intake.PushIntake`) stores each
admitted message as one sealed row and answers at once. :meth:`PushInbox.apply_due` (the
worker's, woken by the endpoint's commit) applies the due rows in arrival order, up to a batch
at a time, in ONE transaction through the poll's batch path
(:meth:`ReservationIntake.apply_together`): every reservation routed by ``(channel, hotel
code)`` (never by ids), the (redacted) message and our answer logged for each connection with
only its own reservations, every reservation applied, the rows deleted. The commit rings the
work signal (the unit of work does, when availability was queued) so ARI fans out at once.

Ordering: one applier at a time (the repository's applier lock), rows oldest first. A row that
cannot be applied is taken out of the batch and the rest applied; it is retried with backoff
while its failure may go away by itself (a cancellation whose booking is not here yet, our own
failure) for :data:`~channel_manager.domain.push_inbox.RETRY_FOR`, else flagged with its
reason. Later rows do not wait for it: the ledger decides order by revision, as it did when a
sender resent a refused push. A flagged row is retried by hand (after a mapping is fixed) and
applied once: applied rows are deleted in the transaction that applies them, and the ledger
ignores a message it has already applied.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Generic
from uuid import UUID

import attrs

from channel_manager.application.message_log import MessageLogWriter
from channel_manager.application.reservations import (
    MappingLookup,
    ReservationIntake,
    UnknownHotel,
    UnknownReservation,
)
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.events import EventType
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.push_inbox import (
    InboxFailure,
    InboxRoute,
    InboxRow,
    InboxState,
    seal_context,
)
from channel_manager.ports.clock import Clock
from channel_manager.ports.events import EventSink, NoEvents
from channel_manager.ports.inbound import InboundReservationCodec, MessageT, PushRefused
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory
from channel_manager.ports.vault import CredentialVault, VaultError
from channel_manager.ports.work import WorkNotifier

logger = logging.getLogger(__name__)

#: Rows applied in one transaction (the poll's page size: ~800 reservations/s).
BATCH = 100
#: Logged instead of a body that could not be cut to one connection's reservations.
UNSHAREABLE = "(not logged: the message could not be cut to this connection's reservations)"
#: "Every row" for a listing (rows wait seconds; flagged ones are few).
_ALL = 1_000_000
#: Shown to an organisation instead of the error of a message that also holds another
#: organisation's reservations (the error may be about their part, and name it).
NOT_YOURS = "not shown: the message also holds reservations of hotels that are not yours"


class _RowFailed(Exception):  # noqa: N818 -- carries a row's failure out of the batch
    def __init__(self, row: InboxRow, error: Exception, routes: tuple[InboxRoute, ...]) -> None:
        super().__init__(str(error))
        self.row = row
        self.error = error
        self.routes = routes


def failure_of(error: Exception) -> InboxFailure:
    """What kind of failure ``error`` is for a row."""
    if isinstance(error, UnknownHotel):
        return InboxFailure.UNKNOWN_PROPERTY
    if isinstance(error, UnknownReservation):
        return InboxFailure.NOT_YET_KNOWN
    if isinstance(error, VaultError | PushRefused):
        return InboxFailure.UNREADABLE
    if isinstance(error, DomainError):
        return InboxFailure.REFUSED
    return InboxFailure.FAILED


@attrs.frozen
class InboxView:
    """One inbox row as its reader may see it (an organisation: only its own reservations)."""

    id: UUID
    received_at: datetime
    message_type: str
    state: InboxState
    attempts: int
    next_attempt_at: datetime | None
    failure: InboxFailure | None
    last_error: str | None
    #: (reservation id, hotel code) of each reservation shown.
    reservations: tuple[tuple[str, str | None], ...]


def view_of(row: InboxRow, connection_ids: Collection[UUID] | None = None) -> InboxView:
    """``row`` for a reader seeing ``connection_ids`` (``None``: an admin, everything)."""
    routes = row.routes
    error = row.last_error
    if connection_ids is not None:
        routes = tuple(r for r in row.routes if r.connection_id in connection_ids)
        if len(routes) != len(row.routes) and error is not None:
            error = NOT_YOURS
    return InboxView(
        id=row.id,
        received_at=row.received_at,
        message_type=row.message_type,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.state is InboxState.PENDING else None,
        failure=row.failure,
        last_error=error,
        reservations=tuple((r.reservation_id, r.hotel_code) for r in routes),
    )


class PushInbox(Generic[MessageT]):
    """Applies, lists and retries the push inbox's rows."""

    def __init__(
        self,
        codec: InboundReservationCodec[MessageT],
        uow_factory: UnitOfWorkFactory,
        intake: ReservationIntake,
        message_log: MessageLogWriter,
        clock: Clock,
        vault: CredentialVault,
        *,
        channel: str,
        endpoint: str,
        wake: WorkNotifier | None = None,
        batch: int = BATCH,
        events: EventSink | None = None,
    ) -> None:
        self._codec = codec
        self._uow_factory = uow_factory
        self._intake = intake
        self._message_log = message_log
        self._clock = clock
        self._vault = vault
        self._channel = channel
        self._endpoint = endpoint
        self._wake = wake
        self._batch = batch
        #: ``reservation.flagged`` for each organisation a flagged row routes to (issue 18).
        self._events = events or NoEvents()

    # -- applying ---------------------------------------------------------------------------

    def apply_due(self) -> int:
        """Apply one batch of due rows; how many rows it dealt with (applied or failed), 0
        when none was due or another applier holds the inbox."""
        skip: set[UUID] = set()
        while True:
            now = self._clock.now()
            with self._uow_factory() as uow:
                rows = uow.push_inbox.claim_due(now, self._batch + len(skip))
                rows = [r for r in rows if r.id not in skip][: self._batch]
                if not rows:
                    return len(skip)
                try:
                    self._apply(uow, rows)
                except _RowFailed as failed:
                    uow.rollback()
                    self._record_failure(failed.row, failed.error, failed.routes)
                    skip.add(failed.row.id)
                    continue  # the rest of the batch, without it
                except Exception:
                    uow.rollback()
                    logger.exception(
                        "a batch of %d pushed messages could not be applied together; "
                        "applying them one by one",
                        len(rows),
                    )
                else:
                    # (The commit rings the work signal when it queued availability.)
                    uow.commit()
                    return len(rows) + len(skip)
            for row in rows:
                self._apply_alone(row)
            return len(rows) + len(skip)

    def _apply_alone(self, row: InboxRow) -> None:
        try:
            with self._uow_factory() as uow:
                claimed = uow.push_inbox.claim_due(self._clock.now(), 1, ids={row.id})
                if not claimed:
                    return  # applied meanwhile, or another applier holds the inbox
                self._apply(uow, claimed)
                uow.commit()
        except _RowFailed as failed:
            self._record_failure(failed.row, failed.error, failed.routes)
        except Exception as error:
            self._record_failure(row, error, row.routes)

    def _record_failure(
        self, row: InboxRow, error: Exception, routes: tuple[InboxRoute, ...]
    ) -> None:
        failure = failure_of(error)
        if failure is InboxFailure.FAILED:
            logger.error("could not apply pushed message %s", row.id, exc_info=error)
        try:
            with self._uow_factory() as uow:
                current = uow.push_inbox.get(row.id)
                failed = current.failed(failure, str(error), self._clock.now(), routes)
                uow.push_inbox.update(failed)
                if failed.state is InboxState.FLAGGED:
                    self._flagged(uow, failed)
                uow.commit()
        except Exception:
            # The row stays as it was (pending): the next pass tries again.
            logger.exception("could not record the failure of pushed message %s", row.id)
            return
        logger.warning(
            "pushed message %s not applied (%s, attempt %d): %s; %s",
            row.id,
            failure.value,
            failed.attempts,
            error,
            "flagged" if failed.state is InboxState.FLAGGED else "retried later",
        )

    def _flagged(self, uow: UnitOfWork, row: InboxRow) -> None:
        """``reservation.flagged`` to each organisation ``row`` routes to, naming only its own
        reservations (not the error text: it may be about another organisation's part)."""
        by_organization: dict[UUID, list[InboxRoute]] = {}
        for route in row.routes:
            if route.connection_id is not None:
                owner = uow.connections.get(route.connection_id).organization_id
                by_organization.setdefault(owner, []).append(route)
        for organization_id, routes in by_organization.items():
            self._events.emit(
                uow,
                organization_id,
                EventType.RESERVATION_FLAGGED,
                {
                    "inbox_row_id": str(row.id),
                    "message_type": row.message_type,
                    "failure": None if row.failure is None else row.failure.value,
                    "received_at": row.received_at.isoformat(),
                    "reservations": [
                        {
                            "external_id": r.reservation_id,
                            "hotel_code": r.hotel_code,
                            "connection_id": str(r.connection_id),
                        }
                        for r in routes
                    ],
                },
            )

    def _apply(self, uow: UnitOfWork, rows: Sequence[InboxRow]) -> None:
        """Every row in ``uow``: routed, logged, applied together per connection, deleted.
        :class:`_RowFailed` names the row that could not be applied."""
        lookups: dict[UUID, MappingLookup] = {}
        batches: dict[UUID, tuple[Connection, list[tuple[InboxRow, ChannelReservation]]]] = {}
        routes: dict[UUID, tuple[InboxRoute, ...]] = {}
        # A batch names the same hotel over and over: routed once (in this transaction).
        hotels: dict[str, Connection] = {}
        entries: list[MessageLogEntry] = []
        for row in rows:
            routes[row.id], prepared = self._prepare(uow, row, lookups, hotels, entries)
            for connection, message in prepared:
                batches.setdefault(connection.id, (connection, []))[1].append((row, message))
        for connection, items in batches.values():
            try:
                results = self._intake.apply_together(
                    uow, connection, [m for _row, m in items], lookups.get(connection.id)
                )
            except Exception as error:
                if len(rows) == 1:  # alone: the failure is this row's
                    raise _RowFailed(rows[0], error, routes[rows[0].id]) from error
                raise
            for (row, _message), result in zip(items, results, strict=True):
                if isinstance(result, DomainError):
                    raise _RowFailed(row, result, routes[row.id])
        uow.message_log.add_many(entries)
        uow.push_inbox.delete([row.id for row in rows])

    def _prepare(
        self,
        uow: UnitOfWork,
        row: InboxRow,
        lookups: dict[UUID, MappingLookup],
        hotels: dict[str, Connection],
        entries: list[MessageLogEntry],
    ) -> tuple[tuple[InboxRoute, ...], list[tuple[Connection, ChannelReservation]]]:
        """One row's routes, and its reservations routed, mapped and their log entries made
        (added to ``entries``; nothing stored or applied yet). ``hotels``: the connection each
        hotel code was routed to in this unit of work."""
        try:
            body = self._vault.open(row.sealed_body, seal_context(row.id)).reveal_bytes()
            message = self._codec.decode(body)
        except Exception as error:
            raise _RowFailed(row, error, row.routes) from error
        routed: list[tuple[str, Connection | None]] = []
        first_error: Exception | None = None
        for reservation in message.reservations:
            try:
                connection = self._route(
                    uow, reservation.reservation_id or "", reservation.hotel_code, lookups, hotels
                )
            except Exception as error:
                first_error = first_error or error
                connection = None
            routed.append((reservation.reservation_id or "", connection))
        routes = tuple(
            InboxRoute(reservation_id, pushed.hotel_code, None if c is None else c.id)
            for (reservation_id, c), pushed in zip(routed, message.reservations, strict=True)
        )
        if first_error is not None:
            raise _RowFailed(row, first_error, routes)
        connections = [c for _id, c in routed if c is not None]
        shares: dict[UUID, list[int]] = {}
        for index, connection in enumerate(connections):
            shares.setdefault(connection.id, []).append(index)
        whole = len(shares) == 1
        inbound = self._text(self._codec.redact(body))
        answer = self._codec.encode_success(message, row.received_at)
        outbound = self._text(self._codec.redact(answer.body))
        logged: dict[UUID, UUID] = {}
        for connection_id, indices in shares.items():
            came = self._entry(
                connection_id,
                MessageDirection.INBOUND,
                message_type=message.message_type,
                body=self._share(inbound, indices, whole=whole),
                ruid=message.ruid,
            )
            answered = self._entry(
                connection_id,
                MessageDirection.OUTBOUND,
                message_type=message.answer_type,
                body=self._share(outbound, indices, whole=whole),
                http_status=answer.status,
                outcome="success",
            )
            entries.extend((came, answered))
            logged[connection_id] = came.id
        prepared: list[tuple[Connection, ChannelReservation]] = []
        for index, ((reservation_id, _), connection) in enumerate(
            zip(routed, connections, strict=True)
        ):
            try:
                mapped = message.to_channel_reservation(
                    index,
                    ack_key=f"push:{reservation_id}",
                    connection_id=connection.id,
                    now=self._clock.now,
                )
            except Exception as error:
                raise _RowFailed(row, error, routes) from error
            linked = attrs.evolve(mapped.reservation, raw_message_id=logged[connection.id])
            prepared.append((connection, attrs.evolve(mapped, reservation=linked)))
        return routes, prepared

    def _route(
        self,
        uow: UnitOfWork,
        reservation_id: str,
        hotel_code: str | None,
        lookups: dict[UUID, MappingLookup],
        hotels: dict[str, Connection],
    ) -> Connection:
        if not hotel_code:
            # A cancellation may carry no rooms, hence no HotelCode: the reservation it
            # cancels says where it belongs (not here yet: retried).
            return self._intake.route_known_in(uow, self._channel, reservation_id)
        if hotel_code not in hotels:
            hotels[hotel_code] = self._intake.route_in(uow, self._channel, hotel_code, lookups)
        return hotels[hotel_code]

    def _share(self, body: str, indices: Sequence[int], *, whole: bool) -> str:
        if whole:
            return body
        own = self._codec.share(body.encode("utf-8"), indices)
        return UNSHAREABLE if own is None else self._text(own)

    def _entry(
        self, connection_id: UUID, direction: MessageDirection, **entry: Any
    ) -> MessageLogEntry:
        return self._message_log.make(
            connection_id=connection_id, direction=direction, endpoint=self._endpoint, **entry
        )

    @staticmethod
    def _text(body: bytes) -> str:
        return body.decode("utf-8", errors="replace")

    # -- reading and retrying ---------------------------------------------------------------

    def list(
        self,
        state: InboxState | None = None,
        organization_id: UUID | None = None,
        limit: int = 100,
    ) -> list[InboxView]:
        """Rows oldest first; for an organisation only those routed (at least in part) to its
        own connections, each showing only its own reservations (``None``: an admin)."""
        with self._uow_factory() as uow:
            own = None if organization_id is None else self._own(uow, organization_id)
            rows = uow.push_inbox.list(state, own, limit)
        return [view_of(row, own) for row in rows]

    def count(self, state: InboxState, organization_id: UUID | None = None) -> int:
        """How many rows are in ``state`` (routed to the organisation's connections)."""
        with self._uow_factory() as uow:
            own = None if organization_id is None else self._own(uow, organization_id)
            return uow.push_inbox.count(state, own)

    def retry(self, row_id: UUID, organization_id: UUID | None = None) -> InboxView:
        """Make a row due at once (the worker applies it on its next pass); ``NotFound`` for a
        row the organisation may not see (or already applied)."""
        with self._uow_factory() as uow:
            row = uow.push_inbox.get(row_id)
            own = None if organization_id is None else self._own(uow, organization_id)
            if own is not None and not row.connection_ids & own:
                raise NotFound("push inbox row", row_id)
            retried = row.retried(self._clock.now())
            uow.push_inbox.update(retried)
            uow.commit()
        if self._wake is not None:
            self._wake.notify()  # this process's applier takes it at once
        return view_of(retried, own)

    def rotate_keys(self) -> int:
        """Seal every waiting row's body again under the vault's newest key (``keys rotate``);
        how many changed. One transaction: a row that cannot be opened stops it."""
        rotated = 0
        with self._uow_factory() as uow:
            for row in uow.push_inbox.list(limit=_ALL):
                if self._vault.needs_rotation(row.sealed_body):
                    sealed = self._vault.rotate(row.sealed_body, seal_context(row.id))
                    uow.push_inbox.update(attrs.evolve(row, sealed_body=sealed))
                    rotated += 1
            uow.commit()
        return rotated

    @staticmethod
    def _own(uow: UnitOfWork, organization_id: UUID) -> frozenset[UUID]:
        return frozenset(c.id for c in uow.connections.list(organization_id))
