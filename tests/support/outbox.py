"""The worker's sending, run to the end in a test."""

from __future__ import annotations

from channel_manager.container import Container


async def deliver_all(container: Container, worker_id: str = "test") -> int:
    """What the worker does until the outbox is quiet: send every due push (after a first
    mapping, its rooms' whole calendar). How many were attempted."""
    dispatcher = container.dispatcher()
    total = 0
    while attempted := await dispatcher.dispatch_due(worker_id, limit=100):
        total += attempted
    return total
