"""Disconnecting a calendar: a feed URL granted us nothing at the channel, so there is
nothing to revoke there; our side ends (no more fetches) and its export link stops working.

The disconnect used to look up the channel's authorisation flow for ``feed-url`` and refuse
with "connection mode 'feed-url' is not configured for channel 'ical'".
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.errors import NotFound
from tests.support.feed_world import feed_world


def test_a_calendar_disconnects_and_its_export_stops() -> None:
    world = feed_world()
    calendar = world.connect()
    token = urlsplit(calendar.export_url).path.removeprefix("/ical/").removesuffix(".ics")
    assert world.feeds.export(token).body

    revoked = asyncio.run(
        world.container.connect().disconnect(world.organization.id, calendar.connection.id)
    )

    assert revoked.status is ConnectionStatus.REVOKED
    assert world.feeds.list(world.organization.id) == []
    with pytest.raises(NotFound):
        world.feeds.export(token)
