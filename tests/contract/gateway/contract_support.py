"""Helpers shared by the channel contract suites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import TypeVar

from channel_manager.domain.channel import ChannelReservation
from tests.support.clock import shifted_today

from .gateway_harness import FeedHarness

T = TypeVar("T")


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


async def fetch(harness: FeedHarness) -> dict[str, ChannelReservation]:
    """Pending messages by reservation id."""
    messages = await collect(harness.feed.fetch_reservations())
    return {message.reservation.external_id: message for message in messages}


async def take(harness: FeedHarness, reservation_id: str) -> ChannelReservation:
    """Fetch the reservation's message and, where the feed wants it, acknowledge it: what
    a poll does once the message is stored."""
    message = (await fetch(harness))[reservation_id]
    if harness.feed.acknowledges:
        await harness.feed.acknowledge([message])
    return message


def next_month() -> date:
    today = shifted_today()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)
