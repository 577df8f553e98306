"""The worker's doorbell: committed outbound work wakes this process's idle worker at once.

Without it, an availability change queued by a pushed reservation waited out the worker's idle
pause (a second) before it was sent: most of P4's push-mode propagation time. The waits here
use an idle pause of an hour, so only the signal can end them within the test's timeout.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

from dependency_injector import providers

from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.application.work_signal import WorkSignal
from channel_manager.container import build_container
from channel_manager.entrypoints.worker.loop import TickCounts, Worker
from tests.support.builders import booking
from tests.support.containers import app_container, make_settings
from tests.support.waiting import eventually
from tests.unit.rest.conftest import HOTEL_CODE, ROOM_TYPE, map_hotel

HOUR = 3600.0


def test_a_notification_from_another_thread_ends_the_wait() -> None:
    signal = WorkSignal()

    async def scenario() -> bool:
        signal.listen()
        stopping = asyncio.Event()
        waiting = asyncio.create_task(signal.wait(HOUR, stopping))
        await asyncio.sleep(0)
        threading.Thread(target=signal.notify).start()
        return await asyncio.wait_for(waiting, timeout=10)

    assert asyncio.run(scenario()) is True


def test_a_notification_while_busy_is_not_lost() -> None:
    signal = WorkSignal()

    async def scenario() -> tuple[bool, bool]:
        signal.listen()
        signal.notify()  # the worker was in the middle of a pass
        await asyncio.sleep(0)
        first = await asyncio.wait_for(signal.wait(HOUR, asyncio.Event()), timeout=10)
        second = await signal.wait(0.01, asyncio.Event())  # consumed: an ordinary idle pause
        return first, second

    assert asyncio.run(scenario()) == (True, False)


def test_stopping_ends_the_wait_without_a_notification() -> None:
    signal = WorkSignal()

    async def scenario() -> bool:
        stopping = asyncio.Event()
        waiting = asyncio.create_task(signal.wait(HOUR, stopping))
        await asyncio.sleep(0)
        stopping.set()
        return await asyncio.wait_for(waiting, timeout=10)

    assert asyncio.run(scenario()) is False


def test_notifying_without_a_listening_worker_does_nothing() -> None:
    WorkSignal().notify()  # the CLI and tests commit work with no worker in the process


class CountingWorker(Worker):
    """A worker that counts its passes (each finds nothing to do)."""

    passes = 0

    async def tick(self, *, inbox: bool = True) -> TickCounts:
        self.passes += 1
        return TickCounts()


def test_the_idle_worker_makes_its_next_pass_when_notified() -> None:
    container = app_container()
    signal = container.work_signal()
    worker = CountingWorker(
        container.uow_factory(),
        container.sync(),
        container.dispatcher(),
        container.clock(),
        "worker-under-test",
        idle_wait=timedelta(seconds=HOUR),
        work_signal=signal,
    )

    async def scenario() -> int:
        running = asyncio.create_task(worker.run())
        await eventually(lambda: worker.passes >= 1)
        await asyncio.to_thread(signal.notify)  # as a unit of work does after queuing work
        await eventually(lambda: worker.passes >= 2)  # far within the idle pause of an hour
        worker.stopping.set()
        await asyncio.wait_for(running, timeout=10)
        return worker.passes

    assert asyncio.run(scenario()) == 2


class CountingSignal(WorkSignal):
    """The process's doorbell, counting its rings."""

    rings = 0

    def notify(self) -> None:
        self.rings += 1
        super().notify()


def test_the_containers_units_of_work_ring_its_signal_when_they_commit_outbound_work(
    tmp_path: Path,
) -> None:
    """The wiring: whatever use case queues outbound work (here availability after a booking),
    the database's unit of work rings the container's signal; no entrypoint has to."""
    url = f"sqlite:///{tmp_path / 'channel-manager.db'}"
    upgrade(url)
    container = build_container(make_settings({"CM_DATABASE_URL": url}))
    signal = CountingSignal()
    container.work_signal.override(providers.Object(signal))
    hotel = map_hotel(container)
    assert signal.rings == 0  # inventory and mappings queue nothing
    with container.uow_factory()() as uow:
        connection = uow.connections.get(hotel.connection_id)

    container.intake().apply(connection, booking("R1", room=ROOM_TYPE, hotel_code=HOTEL_CODE))

    assert signal.rings == 1
    container.engine().dispose()
