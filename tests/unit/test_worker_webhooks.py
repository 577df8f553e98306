"""The worker's webhook loop (issue 18): a commit that records deliveries rings this
process's webhook signal, so the delivery leaves at once, not at the loop's next look."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from channel_manager.domain.events import EventType
from channel_manager.entrypoints.worker.loop import Worker
from tests.support.containers import app_container, make_settings
from tests.support.webhooks import WebhookReceiver


async def _run(seconds_to_deliver: list[float]) -> None:
    container = app_container(settings=make_settings({"CM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1"}))
    organization = container.inventory().ensure_organization("Canal Hotels")
    with WebhookReceiver() as receiver:
        await container.webhooks().create(organization.id, receiver.url, ["push.failed"])
        worker = Worker(
            container.uow_factory(),
            container.sync(),
            container.dispatcher(),
            container.clock(),
            "w1",
            idle_wait=timedelta(minutes=5),
            webhooks=container.webhook_dispatcher(),
            # Far longer than the test: only the signal can make it deliver in time.
            webhook_wait=timedelta(minutes=5),
            webhook_signal=container.webhook_signal(),
        )
        running = asyncio.create_task(worker.run())
        await asyncio.sleep(0.2)  # the loops are waiting

        def commit() -> float:
            with container.uow_factory()() as uow:
                container.events().emit(uow, organization.id, EventType.PUSH_FAILED, {"n": 1})
                uow.commit()
            return time.perf_counter()

        committed = await asyncio.to_thread(commit)
        [got] = await asyncio.to_thread(receiver.wait_for, 1, 10.0)
        seconds_to_deliver.append(got.arrived - committed)
        worker.stopping.set()
        await asyncio.wait_for(running, 10)


def test_a_commit_wakes_the_webhook_loop() -> None:
    took: list[float] = []
    asyncio.run(_run(took))
    assert took[0] < 5.0  # not the five minutes of the loop's own look
