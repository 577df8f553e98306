"""The read side used by the REST API, the web UI and the CLI, scoped to one organisation."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import attrs

from channel_manager.application.history_views import (
    NamedConnection,
    QueuePlace,
    catalog_names,
    merge_newest,
    queue_places,
)
from channel_manager.application.scoping import owned_connection
from channel_manager.application.sync import UNACKNOWLEDGED
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import NotFound
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.domain.sync import OutboundMessage, OutboundState, SyncRun
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory


@attrs.frozen(kw_only=True)
class ConnectionHealth:
    """What the integration card shows: status, last sync, failures and backlog."""

    connection: Connection
    last_run: SyncRun | None
    failed_pushes: int
    pending_pushes: int
    unmapped_reservations: int
    oldest_pending_push_at: datetime | None
    unacknowledged_reservations: int = 0
    unacknowledged_since: datetime | None = None
    flagged_reservations: int = 0


#: Open pushes read per page when finding what each waits for.
_OPEN_PAGE = 500

#: How far back (in recorded runs) the unacknowledged backlog is traced.
_RUNS_FOR_BACKLOG = 50


def _unacknowledged(runs: list[SyncRun]) -> tuple[int, datetime | None]:
    """How many reservation messages the newest run left unacknowledged, and since when runs
    have been leaving some (runs are newest first; idle polls record no run).
    """
    newest = runs[0].counts.get(UNACKNOWLEDGED, 0) if runs else 0
    since = None
    for run in runs:
        if not run.counts.get(UNACKNOWLEDGED, 0):
            break
        since = run.started_at
    return newest, since if newest else None


class Queries:
    """Read models; every method checks the organisation."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def connections(self, organization_id: UUID) -> list[Connection]:
        """The organisation's connections, oldest first."""
        with self._uow_factory() as uow:
            return uow.connections.list(organization_id)

    def named_connections(self, organization_id: UUID) -> list[NamedConnection]:
        """The organisation's connections, oldest first, with the names of what each maps."""
        with self._uow_factory() as uow:
            return [
                NamedConnection(connection=c, names=catalog_names(uow, c.id))
                for c in uow.connections.list(organization_id)
            ]

    def connection(self, organization_id: UUID, connection_id: UUID) -> Connection:
        """One connection of the organisation."""
        with self._uow_factory() as uow:
            return owned_connection(uow, organization_id, connection_id)

    def health(self, organization_id: UUID, connection_id: UUID) -> ConnectionHealth:
        """The integration card's figures for one connection (aggregate queries, no scans)."""
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            runs = uow.sync_runs.list_by_connection(connection_id, limit=_RUNS_FOR_BACKLOG)
            outbox = uow.outbound.summary(connection_id)
            unmapped = uow.reservations.count_unlinked(connection_id)
            flagged = uow.reservations.count_flagged(connection_id)
        backlog = _unacknowledged(runs)
        return ConnectionHealth(
            connection=connection,
            last_run=runs[0] if runs else None,
            failed_pushes=outbox.count(OutboundState.FAILED),
            pending_pushes=outbox.count(OutboundState.PENDING)
            + outbox.count(OutboundState.IN_FLIGHT),
            unmapped_reservations=unmapped,
            oldest_pending_push_at=outbox.oldest_open_at,
            unacknowledged_reservations=backlog[0],
            unacknowledged_since=backlog[1],
            flagged_reservations=flagged,
        )

    def sync_runs(
        self, organization_id: UUID, connection_id: UUID, limit: int = 50
    ) -> list[SyncRun]:
        """A connection's sync runs, newest first."""
        with self._uow_factory() as uow:
            owned_connection(uow, organization_id, connection_id)
            return uow.sync_runs.list_by_connection(connection_id, limit=limit)

    def sync_run(self, organization_id: UUID, run_id: UUID) -> SyncRun:
        """One sync run of the organisation."""
        with self._uow_factory() as uow:
            run = uow.sync_runs.get(run_id)
            try:
                owned_connection(uow, organization_id, run.connection_id)
            except NotFound:
                raise NotFound("sync run", run_id) from None
            return run

    def reservations(
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
    ) -> list[Reservation]:
        """The organisation's reservations by arrival, filtered."""
        with self._uow_factory() as uow:
            return uow.reservations.list(
                organization_id,
                property_id=property_id,
                connection_id=connection_id,
                status=status,
                arrival_from=arrival_from,
                arrival_to=arrival_to,
                limit=limit,
                offset=offset,
            )

    def reservation(self, organization_id: UUID, reservation_id: UUID) -> Reservation:
        """One reservation of the organisation."""
        with self._uow_factory() as uow:
            reservation = uow.reservations.get(reservation_id)
            try:
                owned_connection(uow, organization_id, reservation.connection_id)
            except NotFound:
                raise NotFound("reservation", reservation_id) from None
            return reservation

    def rate_plan_names(self, organization_id: UUID, reservation: Reservation) -> dict[str, str]:
        """Names for the channel's rate plan codes of ``reservation``'s hotel: our rate plan's
        name where the code is mapped to one, else the channel's name recorded with the
        mapping. Codes we know no name for are left out (the page shows the code)."""
        with self._uow_factory() as uow:
            owned_connection(uow, organization_id, reservation.connection_id)
            mapping = uow.property_mappings.find(
                reservation.connection_id, reservation.external_property_id
            )
            if mapping is None:
                return {}
            ours = {
                plan.id: plan.name
                for plan in uow.rate_plans.list_by_property(mapping.internal_property_id)
            }
            plans = uow.rate_plan_mappings.list_by_property_mapping(mapping.id)
        names = {
            plan.external_rate_plan_id: ours.get(plan.internal_rate_plan_id)
            or plan.external_rate_plan_name
            for plan in plans
        }
        return {code: name for code, name in names.items() if name}

    def last_answer(
        self, organization_id: UUID, connection_id: UUID, endpoint: str
    ) -> MessageLogEntry | None:
        """Our newest answer at ``endpoint`` logged for the connection (for the OTA push
        endpoint: when the connection's last push arrived and how it went), or ``None``."""
        with self._uow_factory() as uow:
            owned_connection(uow, organization_id, connection_id)
            return uow.message_log.latest(
                connection_id, endpoint=endpoint, direction=MessageDirection.OUTBOUND
            )

    def messages(
        self, organization_id: UUID, connection_id: UUID, limit: int = 100, offset: int = 0
    ) -> list[MessageLogEntry]:
        """A connection's message log, newest first."""
        with self._uow_factory() as uow:
            owned_connection(uow, organization_id, connection_id)
            return uow.message_log.list(connection_id, limit=limit, offset=offset)

    def recent_sync_runs(
        self, organization_id: UUID, connection_id: UUID | None = None, limit: int = 50
    ) -> list[SyncRun]:
        """The newest runs of one connection of the organisation, or of all of them (``None``),
        newest first."""
        with self._uow_factory() as uow:
            ids = self._scope(uow, organization_id, connection_id)
            per_connection = [uow.sync_runs.list_by_connection(i, limit=limit) for i in ids]
        return merge_newest(per_connection, lambda run: run.started_at, limit)

    def recent_messages(
        self, organization_id: UUID, connection_id: UUID | None = None, limit: int = 100
    ) -> list[MessageLogEntry]:
        """The newest logged messages of one connection of the organisation, or of all of them
        (``None``), newest first."""
        with self._uow_factory() as uow:
            ids = self._scope(uow, organization_id, connection_id)
            per_connection = [uow.message_log.list(i, limit=limit) for i in ids]
        return merge_newest(per_connection, lambda entry: entry.created_at, limit)

    def push_queue(self, organization_id: UUID) -> dict[UUID, QueuePlace]:
        """For each of the organisation's pushes held back by an earlier one for the same hotel
        (per-hotel order), where it waits."""
        open_messages: list[OutboundMessage] = []
        with self._uow_factory() as uow:
            for state in (OutboundState.PENDING, OutboundState.IN_FLIGHT):
                offset = 0
                while page := uow.outbound.list(
                    organization_id=organization_id, state=state, limit=_OPEN_PAGE, offset=offset
                ):
                    open_messages.extend(page)
                    offset += len(page)
        return queue_places(open_messages)

    def failed_pushes_elsewhere(self, organization_id: UUID, connection_id: UUID) -> int:
        """How many pushes failed on the organisation's other connections (a page filtered to
        one connection points at them: failures must not go unseen)."""
        with self._uow_factory() as uow:
            return sum(
                uow.outbound.summary(c.id).count(OutboundState.FAILED)
                for c in uow.connections.list(organization_id)
                if c.id != connection_id
            )

    @staticmethod
    def _scope(uow: UnitOfWork, organization_id: UUID, connection_id: UUID | None) -> list[UUID]:
        """The one connection asked for (checked to be the organisation's), or all of its."""
        if connection_id is not None:
            return [owned_connection(uow, organization_id, connection_id).id]
        return [c.id for c in uow.connections.list(organization_id)]
