"""Two dispatchers on one PostgreSQL (issue 18): every delivery is sent once (claims skip
what the other holds), and each reservation's events arrive in the order they were emitted,
although the two send side by side."""

from __future__ import annotations

import asyncio
import ipaddress
import random
from collections import defaultdict
from uuid import uuid4

import pytest
from sqlalchemy.engine import Engine

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock, Uuid4Generator
from channel_manager.adapters.vault import AesGcmVault, generate_key
from channel_manager.adapters.webhooks.http import HttpWebhookTransport
from channel_manager.application.webhooks import WebhookDispatcher, WebhookOutbox, WebhookService
from channel_manager.domain.events import EventType
from channel_manager.domain.inventory import Organization
from channel_manager.domain.retry import RetryPolicy
from tests.support.clock import session_offset
from tests.support.webhooks import WebhookReceiver, readme_verifier

RESERVATIONS = 6
EVENTS_EACH = 5


@pytest.mark.postgres
def test_two_dispatchers_send_each_delivery_once_and_in_order(postgres_engine: Engine) -> None:
    clock = SystemClock(session_offset())
    uow_factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=clock)
    vault = AesGcmVault.from_config(generate_key())
    verify = readme_verifier()
    secret: list[str] = []
    with WebhookReceiver(
        verify=lambda h, b: verify(secret[0], h, b, now=clock.now().timestamp())
    ) as receiver:
        transport = HttpWebhookTransport((ipaddress.ip_network("127.0.0.1/32"),))
        organization = Organization(id=uuid4(), name="acme")
        with uow_factory() as uow:
            uow.organizations.add(organization)
            uow.commit()
        service = WebhookService(uow_factory, transport, vault, clock, Uuid4Generator())
        created = asyncio.run(service.create(organization.id, receiver.url, ["push.failed"]))
        secret.append(created.secret.reveal_text())
        outbox = WebhookOutbox(clock, Uuid4Generator())
        # Interleaved: event n of every reservation, then event n + 1 of every one.
        for n in range(EVENTS_EACH):
            with uow_factory() as uow:
                for r in range(RESERVATIONS):
                    outbox.emit(
                        uow,
                        organization.id,
                        EventType.PUSH_FAILED,
                        {"reservation": r, "n": n},
                        order_key=f"reservation:{r}",
                    )
                uow.commit()

        def dispatcher() -> WebhookDispatcher:
            return WebhookDispatcher(
                uow_factory, transport, vault, clock, RetryPolicy(), random.Random(1)
            )

        async def both() -> None:
            first, second = dispatcher(), dispatcher()
            while len(receiver.received) < RESERVATIONS * EVENTS_EACH:
                sent = await asyncio.gather(
                    first.deliver_due("w1", limit=3), second.deliver_due("w2", limit=3)
                )
                if not any(sent):
                    await asyncio.sleep(0.01)

        asyncio.run(asyncio.wait_for(both(), 60))
        asyncio.run(transport.aclose())
    bodies = [r.json() for r in receiver.received]
    assert all(r.verified for r in receiver.received)
    ids = [b["id"] for b in bodies]
    assert len(ids) == len(set(ids)) == RESERVATIONS * EVENTS_EACH  # each once
    order: dict[int, list[int]] = defaultdict(list)
    for body in bodies:
        order[body["data"]["reservation"]].append(body["data"]["n"])
    assert order == {r: list(range(EVENTS_EACH)) for r in range(RESERVATIONS)}
