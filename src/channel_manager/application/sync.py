"""Scheduled and requested work against a channel: the reservation poll (every 20 s, or at
the connection's channel's own interval, a calendar feed's 10 minutes say) and the full sweep
(every 30 minutes, or on demand with live progress).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import attrs

from channel_manager.application.claim_scope import HotelNotHeld
from channel_manager.application.reservations import ReservationIntake
from channel_manager.application.scoping import active_connection, require_active
from channel_manager.domain.channel import ChannelReservation, ExternalProperty
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import ChannelAuthError, ChannelError, DomainError
from channel_manager.domain.sync import SyncRun, SyncRunKind, SyncRunStatus
from channel_manager.ports.channel import CatalogSource, ReservationFeed
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: SyncRun count of reservation messages left unacknowledged at the channel (not stored, or
#: stored but refused at acknowledgement): Booking.com e-mails them to the hotel after 30 min.
UNACKNOWLEDGED = "unacknowledged"

#: Reservation messages applied per transaction when polling: one commit per message would
#: cap the import at a few hundred a second; acknowledgement still waits for every commit.
IMPORT_BATCH = 100

#: Called with (what is being done, items done so far); the CLI draws a progress bar from it.
Progress = Callable[[str, int], None]


def _no_progress(_stage: str, _done: int) -> None:
    """The default progress callback: report nothing."""


class SyncSource(CatalogSource, ReservationFeed, Protocol):
    """What a poll and a full sync use of a connection's channel: its catalog (the hotels to
    refresh) and its reservation feed."""


class SyncSources(Protocol):
    """Makes the :class:`SyncSource` of one connection (a channel gateway factory is one)."""

    def for_connection(self, connection: Connection) -> SyncSource:
        """The catalog and feed of ``connection``; the caller closes it with ``aclose``."""
        ...


class PollCadence(Protocol):
    """How often a connection is polled, by its channel (the channel registry is one)."""

    def poll_interval(self, connection: Connection) -> timedelta | None:
        """The channel's own poll interval; ``None``: :attr:`SyncIntervals.poll`."""
        ...


class JitterSource(Protocol):
    """Where the spread of channel-specific poll times comes from (``random.Random``; a
    seeded one in tests)."""

    def uniform(self, a: float, b: float) -> float:
        """A number between ``a`` and ``b``."""
        ...


#: A channel's own poll interval is spread by up to this share either way, so feeds connected
#: together are not all fetched in the same second forever.
POLL_JITTER = 0.1


@attrs.frozen
class SyncIntervals:
    """How often the worker polls reservations and sweeps everything."""

    poll: timedelta = timedelta(seconds=20)
    full: timedelta = timedelta(minutes=30)


class SyncService:
    """Pulls reservations (stored, then acknowledged) and refreshes property mappings."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateways: SyncSources,
        intake: ReservationIntake,
        clock: Clock,
        ids: IdGenerator,
        intervals: SyncIntervals,
        *,
        batch_size: int = IMPORT_BATCH,
        cadence: PollCadence | None = None,
        jitter: JitterSource | None = None,
    ) -> None:
        self._batch_size = batch_size
        self._cadence = cadence
        self._jitter = jitter
        self._uow_factory = uow_factory
        self._gateways = gateways
        self._intake = intake
        self._clock = clock
        self._ids = ids
        self._intervals = intervals

    def request(self, organization_id: UUID, connection_id: UUID) -> SyncRun:
        """Record a full sync as running (``POST /connections/{id}/sync``); the caller then
        runs :meth:`full_sync` with the returned run in the background. A connection that is
        not active is refused (``ConnectionNotActive``): a revoked one's hotel may be held by
        another organisation now.
        """
        with self._uow_factory() as uow:
            connection = active_connection(uow, organization_id, connection_id)
            run = SyncRun(
                id=self._ids.new_id(),
                connection_id=connection.id,
                kind=SyncRunKind.FULL,
                started_at=self._clock.now(),
            )
            uow.sync_runs.add(run)
            uow.commit()
        return run

    async def poll(self, connection_id: UUID) -> SyncRun | None:
        """Import pending reservation messages; a run is recorded only when something came
        in or failed, so the 20-second poll does not flood the history.
        """
        connection = await asyncio.to_thread(self._load, connection_id)
        if not connection.is_active:
            # Revoked (or failed) since the poll was claimed: the channel is not asked.
            return None
        run = self._new_run(connection, SyncRunKind.POLL)
        gateway = self._gateways.for_connection(connection)
        failure: str | None = None
        try:
            run = await self._import_reservations(connection, gateway, run, _no_progress)
        except ChannelError as error:
            failure = str(error) or type(error).__name__
            run = await asyncio.to_thread(self._channel_failure, connection, run, error)
        finally:
            await gateway.aclose()
            await asyncio.to_thread(
                self._reschedule,
                connection,
                poll=True,
                full=False,
                record_poll=True,
                poll_failure=failure,
            )
        if not run.counts.get("reservations") and not run.errors:
            return None  # an idle poll leaves no record
        return await asyncio.to_thread(self._save, run, finish=True)

    async def full_sync(
        self, connection_id: UUID, run: SyncRun | None = None, progress: Progress = _no_progress
    ) -> SyncRun:
        """Refresh the hotels of every mapping, then import reservations.

        A connection that is not active (revoked since the run was requested, say) is not
        synced: the run ends failed with the reason, and the channel is not asked anything.
        """
        connection = await asyncio.to_thread(self._load, connection_id)
        if run is None:
            require_active(connection)  # asked directly (the CLI): refused, nothing recorded
            started = self._new_run(connection, SyncRunKind.FULL)
            run = await asyncio.to_thread(self._save, started, finish=False, new=True)
        if not connection.is_active:
            stopped = run.record_error(
                f"the connection is {connection.status.value}, not active: not synced"
            )
            return await asyncio.to_thread(self._save, stopped, finish=True)
        gateway = self._gateways.for_connection(connection)
        try:
            run = await self._refresh_properties(connection, gateway, run, progress)
            await asyncio.to_thread(self._save, run, finish=False)
            run = await self._import_reservations(connection, gateway, run, progress)
        except ChannelError as error:
            run = await asyncio.to_thread(self._channel_failure, connection, run, error)
        except DomainError as error:
            run = run.record_error(str(error))
        finally:
            await gateway.aclose()
            await asyncio.to_thread(self._reschedule, connection, poll=True, full=True)
        return await asyncio.to_thread(self._save, run, finish=True)

    async def _refresh_properties(
        self, connection: Connection, gateway: CatalogSource, run: SyncRun, progress: Progress
    ) -> SyncRun:
        now = self._clock.now()
        async for hotel in gateway.list_properties():
            run = run.count("hotels")
            progress("hotels", run.counts["hotels"])
            await asyncio.to_thread(self._touch_mapping, connection, hotel, now)
        return run

    def _touch_mapping(
        self, connection: Connection, hotel: ExternalProperty, now: datetime
    ) -> None:
        """Refresh a mapped hotel's name and last sync time."""
        with self._uow_factory() as uow:
            mapping = uow.property_mappings.find(connection.id, hotel.hotel_code)
            if mapping is not None:
                uow.property_mappings.update(
                    attrs.evolve(
                        mapping,
                        external_property_name=hotel.name or mapping.external_property_name,
                        last_sync_at=now,
                    )
                )
                uow.commit()

    async def _import_reservations(
        self, connection: Connection, gateway: ReservationFeed, run: SyncRun, progress: Progress
    ) -> SyncRun:
        # What to acknowledge once every batch is committed: kept only for a feed that
        # acknowledges (a page of its queue); a snapshot feed's are only counted.
        stored: list[ChannelReservation] = []
        stored_count = 0
        outcomes: Counter[str] = Counter()
        errors: list[str] = []
        pending: list[ChannelReservation] = []
        # Channel reservation ids left unacknowledged (and why), for channel health.
        left: dict[str, str] = {}

        async def store_pending() -> None:
            nonlocal stored_count
            # Database work runs in a thread: the event loop may be serving HTTP too.
            results = await asyncio.to_thread(self._intake.apply_batch, connection, pending)
            for message, result in zip(pending, results, strict=True):
                if isinstance(result, DomainError):
                    # Not acknowledged: the channel keeps offering it and it stays visible here.
                    errors.append(f"reservation {message.reservation.external_id}: {result}")
                    if gateway.acknowledges:
                        left[message.reservation.external_id] = str(result)
                else:
                    stored_count += 1
                    if gateway.acknowledges:
                        stored.append(message)
                    outcomes[result.value] += 1
            pending.clear()
            progress("reservations", stored_count)

        async for message in gateway.fetch_reservations():
            pending.append(message)
            if len(pending) >= self._batch_size:
                await store_pending()
        if pending:
            await store_pending()
        unacknowledged = len(errors)
        acknowledged = 0
        if stored and gateway.acknowledges:
            # Only now, after every commit, may the channel forget these messages.
            try:
                await gateway.acknowledge(stored)
                acknowledged = len(stored)
            except ChannelAuthError:
                raise
            except ChannelError as error:
                # Stored, but the channel will offer them again (the ledger makes that
                # harmless); until then they count as unacknowledged.
                errors.append(f"acknowledgement refused: {error}")
                unacknowledged += len(stored)
                for message in stored:
                    left[message.reservation.external_id] = f"acknowledgement refused: {error}"
        if gateway.acknowledges and (stored or left):
            acknowledged_ids = [m.reservation.external_id for m in stored] if acknowledged else []
            await asyncio.to_thread(self._note_acknowledgements, connection, left, acknowledged_ids)
        counts = dict(run.counts)
        counts["reservations"] = counts.get("reservations", 0) + stored_count
        for name, value in outcomes.items():
            counts[name] = counts.get(name, 0) + value
        if (stored_count or errors) and gateway.acknowledges:
            counts["acknowledged"] = counts.get("acknowledged", 0) + acknowledged
            counts[UNACKNOWLEDGED] = counts.get(UNACKNOWLEDGED, 0) + unacknowledged
        return attrs.evolve(run, counts=counts, errors=(*run.errors, *errors))

    def _note_acknowledgements(
        self, connection: Connection, left: dict[str, str], acknowledged: list[str]
    ) -> None:
        """Channel health: remember what stays unacknowledged (since when it was first seen
        so), forget what was acknowledged at last."""
        with self._uow_factory() as uow:
            uow.health.clear_unacknowledged(connection.id, acknowledged)
            uow.health.note_unacknowledged(connection.id, left, self._clock.now())
            uow.commit()

    def _channel_failure(
        self, connection: Connection, run: SyncRun, error: ChannelError
    ) -> SyncRun:
        logger.warning("sync of connection %s failed: %s", connection.id, error)
        if isinstance(error, ChannelAuthError | HotelNotHeld):
            # Neither heals by itself: the connection stops (no poll every 20 s failing
            # again) and says why until it is connected again.
            reason = (
                str(error)
                if isinstance(error, HotelNotHeld)
                else f"the channel refused access: {error}"
            )
            with self._uow_factory() as uow:
                current = uow.connections.get_for_update(connection.id)
                if current.is_active:
                    uow.connections.update(current.fail(reason))
                    uow.commit()
        return run.record_error(str(error))

    def _load(self, connection_id: UUID) -> Connection:
        with self._uow_factory() as uow:
            return uow.connections.get(connection_id)

    def _new_run(self, connection: Connection, kind: SyncRunKind) -> SyncRun:
        return SyncRun(
            id=self._ids.new_id(),
            connection_id=connection.id,
            kind=kind,
            started_at=self._clock.now(),
        )

    def _save(self, run: SyncRun, *, finish: bool, new: bool = False) -> SyncRun:
        if finish:
            failed = bool(run.errors) and not run.counts.get("reservations")
            run = run.finish(self._clock.now(), status=SyncRunStatus.FAILED if failed else None)
        with self._uow_factory() as uow:
            if new or (finish and run.kind is SyncRunKind.POLL):
                uow.sync_runs.add(run)
            else:
                uow.sync_runs.update(run)
            uow.commit()
        return run

    def _poll_interval(self, connection: Connection) -> timedelta:
        """The default interval, or the channel's own spread by up to :data:`POLL_JITTER`."""
        own = None if self._cadence is None else self._cadence.poll_interval(connection)
        if own is None:
            return self._intervals.poll
        if self._jitter is None:
            return own
        return own * (1 + self._jitter.uniform(-POLL_JITTER, POLL_JITTER))

    def _reschedule(
        self,
        connection: Connection,
        *,
        poll: bool,
        full: bool,
        record_poll: bool = False,
        poll_failure: str | None = None,
    ) -> None:
        """Set the next poll and sync times; with ``record_poll`` also whether the poll that
        just ran failed (``poll_failure``) or went through, which the card shows."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            # Locked: a disconnect committing between this read and the write below would
            # otherwise be overwritten, and the revoked connection would read active again.
            current = uow.connections.get_for_update(connection.id)
            if not current.is_active:
                return
            updated = current.schedule(
                next_poll_at=now + self._poll_interval(current) if poll else None,
                next_sync_at=now + self._intervals.full if full else None,
                last_sync_at=now if full else None,
            )
            if record_poll:
                updated = (
                    updated.poll_failed(now, poll_failure)
                    if poll_failure
                    else updated.poll_succeeded()
                )
                # Channel health: the last good poll and the poll error rate of the hour.
                health = uow.health.get(current.id)
                uow.health.put(health.poll_done(now, failed=bool(poll_failure)))
            uow.connections.update(updated)
            uow.commit()
