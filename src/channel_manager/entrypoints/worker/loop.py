"""One worker process: claims due polls, due full syncs and due outbound messages, and applies
the push inbox.

The push inbox (issue 17) has a loop of its own beside the scheduling loop, so a pushed
booking is applied while a slow channel is being polled or sent to: it wakes when this process
stores a push (``serve`` runs the worker beside the server) and otherwise looks every
``inbox_wait`` (a worker in a process of its own finds pushes within that).

Claims go through the repositories (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so any number of
workers on one database share the work with no other coordinator; on SQLite run one worker.
SIGTERM (or SIGINT) lets the current item finish, then gives back whatever is still claimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

import attrs

from channel_manager.application.health import ChannelHealth
from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.application.push_inbox import PushInbox
from channel_manager.application.sync import SyncService
from channel_manager.application.webhooks import WebhookDispatcher
from channel_manager.application.work_signal import WorkSignal
from channel_manager.container import Container, close_resources, open_resources
from channel_manager.domain.connection import Connection
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWorkFactory

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


def default_worker_id() -> str:
    """Host, process and a random suffix: unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@attrs.frozen
class TickCounts:
    """What one pass of the loop did."""

    polls: int = 0
    syncs: int = 0
    pushes: int = 0
    #: Push inbox rows dealt with (applied, retried later or flagged).
    inbox: int = 0
    #: Webhook deliveries attempted (issue 18).
    webhooks: int = 0

    @property
    def busy(self) -> bool:
        """True when the pass found work (the loop then goes again at once)."""
        return bool(self.polls or self.syncs or self.pushes or self.inbox or self.webhooks)


class Worker:
    """The scheduling loop over the sync service and the outbound dispatcher."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        sync: SyncService,
        dispatcher: OutboundDispatcher,
        clock: Clock,
        worker_id: str,
        *,
        idle_wait: timedelta = timedelta(seconds=1),
        batch: int = 10,
        work_signal: WorkSignal | None = None,
        inbox: PushInbox[Any] | None = None,
        inbox_signal: WorkSignal | None = None,
        inbox_wait: timedelta = timedelta(milliseconds=250),
        webhooks: WebhookDispatcher | None = None,
        webhook_wait: timedelta = timedelta(milliseconds=250),
        webhook_signal: WorkSignal | None = None,
        health: ChannelHealth | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._sync = sync
        self._dispatcher = dispatcher
        self._clock = clock
        self.worker_id = worker_id
        self._idle_wait = idle_wait
        self._batch = batch
        self._signal = work_signal or WorkSignal()
        self._inbox = inbox
        self._inbox_signal = inbox_signal or WorkSignal()
        self._inbox_wait = inbox_wait
        self._webhooks = webhooks
        self._webhook_wait = webhook_wait
        self._webhook_signal = webhook_signal or WorkSignal()
        self._health = health
        self.stopping = asyncio.Event()

    async def apply_inbox(self) -> int:
        """Apply the push inbox's due rows, batch after batch, until none is due (or the
        worker stops); how many rows were dealt with."""
        if self._inbox is None:
            return 0
        total = 0
        while not self.stopping.is_set():
            done = await self._guard(asyncio.to_thread(self._inbox.apply_due), "push inbox")
            if not done:
                break
            total += done
        return total

    async def _inbox_loop(self) -> None:
        while not self.stopping.is_set():
            if not await self.apply_inbox():
                await self._inbox_signal.wait(self._inbox_wait.total_seconds(), self.stopping)

    # -- webhooks (issue 18): a loop of their own, so a slow receiver or channel never holds
    # the other; woken by a commit of this process that recorded deliveries (the webhook
    # signal), else it looks every ``webhook_wait``.

    async def deliver_webhooks(self) -> int:
        """Deliver due webhooks, round after round, until none is due (or the worker
        stops); how many deliveries were attempted."""
        if self._webhooks is None:
            return 0
        total = 0
        while not self.stopping.is_set():
            sending = self._webhooks.deliver_due(self.worker_id, stop=self.stopping)
            done = await self._guard(sending, "webhook deliveries")
            if not done:
                break
            total += done
        return total

    async def _webhook_loop(self) -> None:
        while not self.stopping.is_set():
            if not await self.deliver_webhooks():
                await self._webhook_signal.wait(self._webhook_wait.total_seconds(), self.stopping)

    async def tick(self, *, inbox: bool = True) -> TickCounts:
        """One pass: the push inbox (unless ``inbox`` is False: :meth:`run` applies it in a
        loop of its own), due polls, due full syncs, then due outbound messages."""
        applied = await self.apply_inbox() if inbox else 0
        # A failed claim (the database briefly away) is logged and skipped; the loop goes on.
        claiming = asyncio.to_thread(self._claim_due, poll=True)
        polls = await self._guard(claiming, "claiming due polls") or []
        if polls and not self.stopping.is_set():
            # Side by side: one slow channel (a feed that answers late, up to its deadline)
            # holds the pass for its own time, not for the sum of every poll's.
            await asyncio.gather(
                *(
                    self._guard(self._sync.poll(connection.id), f"poll of {connection.id}")
                    for connection in polls
                )
            )
        claiming = asyncio.to_thread(self._claim_due, poll=False)
        syncs = await self._guard(claiming, "claiming due syncs") or []
        for connection in syncs:
            if self.stopping.is_set():
                break
            await self._guard(self._sync.full_sync(connection.id), f"sync of {connection.id}")
        pushes = 0
        if not self.stopping.is_set():
            pushes = (
                await self._guard(
                    self._dispatcher.dispatch_due(self.worker_id, self._batch), "outbound dispatch"
                )
                or 0
            )
        await self._check_health()
        # Webhooks last, with the inbox's flag: :meth:`run` delivers them in a loop of its own.
        webhooks = await self.deliver_webhooks() if inbox else 0
        return TickCounts(
            polls=len(polls), syncs=len(syncs), pushes=pushes, inbox=applied, webhooks=webhooks
        )

    async def _check_health(self) -> None:
        """Channel health (issue 18): evaluate due connections (at most every
        ``CM_HEALTH_CHECK_INTERVAL``) and send its webhooks; not counted as work."""
        if self._health is not None and not self.stopping.is_set():
            await self._guard(asyncio.to_thread(self._health.check_due), "channel health")

    def _claim_due(self, *, poll: bool) -> list[Connection]:
        """Connections due for a poll (or a full sync), claimed so other workers skip them."""
        with self._uow_factory() as uow:
            connections = uow.connections
            due = connections.due_for_poll if poll else connections.due_for_sync
            claimed = due(self._clock.now(), self._batch)
            uow.commit()
        return claimed

    @staticmethod
    async def _guard(work: Awaitable[_T], what: str) -> _T | None:
        """Run ``work``; an unexpected failure is logged, never allowed to stop the loop."""
        try:
            return await work
        except Exception:
            logger.exception("%s failed; the worker goes on", what)
            return None

    async def run(self, *, once: bool = False) -> None:
        """Loop until :attr:`stopping` is set (or once); then release claimed work."""
        logger.info("worker %s started", self.worker_id)
        await self._guard(
            asyncio.to_thread(self._dispatcher.give_up_revoked), "giving up revoked pushes"
        )
        self._signal.listen()
        self._inbox_signal.listen()
        self._webhook_signal.listen()
        inbox = None if once else asyncio.create_task(self._inbox_loop())
        webhooks = None if once else asyncio.create_task(self._webhook_loop())
        try:
            while not self.stopping.is_set():
                counts = await self.tick(inbox=once)
                if once:
                    break
                if not counts.busy:
                    # Idle until the next pass, or until this process commits outbound work.
                    await self._signal.wait(self._idle_wait.total_seconds(), self.stopping)
        finally:
            if inbox is not None:
                self.stopping.set()  # (already set unless the loop failed)
                await inbox
            if webhooks is not None:
                self.stopping.set()
                await webhooks
            released = await asyncio.to_thread(self._dispatcher.release, self.worker_id)
            logger.info("worker %s stopped; released %d message(s)", self.worker_id, released)


def build_worker(container: Container, worker_id: str | None = None) -> Worker:
    """A worker over the container's services."""
    return Worker(
        container.uow_factory(),
        container.sync(),
        container.dispatcher(),
        container.clock(),
        worker_id or default_worker_id(),
        work_signal=container.work_signal(),
        inbox=container.push_inbox(),
        inbox_signal=container.inbox_signal(),
        webhooks=container.webhook_dispatcher(),
        webhook_signal=container.webhook_signal(),
        health=container.health(),
    )


async def run_worker(
    container: Container, worker_id: str | None = None, *, once: bool = False
) -> None:
    """Run a worker until SIGTERM/SIGINT (or one pass with ``once``); the container opens and
    closes the engine and HTTP clients around it."""
    worker = build_worker(container, worker_id)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, worker.stopping.set)
    await open_resources(container)
    try:
        await worker.run(once=once)
    finally:
        await close_resources(container)
