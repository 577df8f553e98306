"""An optional capability of a channel gateway: reading back the ARI the channel holds.

Not every channel offers it (Booking.com has no confirmed ARI readback, BOOKING_CONNECTIVITY.md),
so it is not part of :class:`~channel_manager.ports.channel.ChannelGateway`: a gateway that can
read back also implements :class:`AriReadback`, and the drift check compares our calendar with
what it answers. Without it the drift check compares with our own delivery record only.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from channel_manager.domain.ari import AriChangeSet


@runtime_checkable
class AriReadback(Protocol):
    """A gateway that can tell what the channel holds for a hotel's nights."""

    async def read_ari(self, hotel_code: str, start: date, end: date) -> AriChangeSet:
        """What the channel holds for ``hotel_code`` on ``start..end`` (inclusive), keyed like
        what is sent: availability (the count the channel may sell) and room-level
        restrictions under the room type without a rate plan, rates and restrictions of a
        rate plan under the room type and its code. Values the channel does not hold are
        ``None``. Raises :class:`~channel_manager.domain.errors.ChannelError` like any call.
        """
        ...
