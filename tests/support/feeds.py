"""iCal connections for tests: a feed connection stored as the connect use case stores one
(the connection, its calendar feed, the hotel claim and the mappings of its one unit), and
feed events to publish on an ``InMemoryFeedReader``."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import attrs

from channel_manager.adapters.ical.gateway import ICAL_CHANNEL
from channel_manager.application.credentials import credential_ref
from channel_manager.application.feeds import add_feed_connection
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.feed import (
    FeedEvent,
    FeedEventKind,
    FeedSecret,
    feed_hotel_code,
)
from channel_manager.domain.inventory import Unit
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory


@attrs.frozen
class StoredFeed:
    """A feed connection as stored: the connection, its feed URL and export token."""

    connection: Connection
    url: str
    token: str

    @property
    def hotel_code(self) -> str:
        return feed_hotel_code(self.connection.id)


def store_feed_connection(
    uow_factory: UnitOfWorkFactory,
    unit: Unit,
    organization_id: uuid.UUID,
    now: datetime,
    save_secret: Callable[[UnitOfWork, str, bytes], None],
    *,
    url: str | None = None,
    name: str = "Airbnb - the loft",
) -> StoredFeed:
    """An active iCal connection filling ``unit``, committed; ``save_secret(uow, ref,
    material)`` seals its :class:`FeedSecret` (the credential store's ``put``, or a dict)."""
    connection_id = uuid.uuid4()
    url = url or f"https://www.airbnb.example/calendar/ical/{connection_id.hex}.ics"
    token = f"token-{connection_id.hex}"
    ref = credential_ref(connection_id)
    connection = Connection(
        id=connection_id,
        organization_id=organization_id,
        channel=ICAL_CHANNEL,
        auth_mode=AuthMode.FEED_URL,
        created_at=now,
    ).activate(ref, now)
    with uow_factory() as uow:
        save_secret(uow, ref, FeedSecret(url, token).to_bytes())
        add_feed_connection(
            uow,
            connection,
            unit,
            name=name,
            export_token_hash=hashlib.sha256(token.encode()).hexdigest(),
            new_id=uuid.uuid4,
        )
        uow.commit()
    return StoredFeed(connection, url, token)


def airbnb_stay(start: date, nights: int, code: str, phone: str = "1234") -> FeedEvent:
    """An Airbnb booking as the Airbnb export shows it."""
    return FeedEvent(
        uid=f"{code.lower()}-uid@airbnb.com",
        start=start,
        end=start + timedelta(days=nights),
        kind=FeedEventKind.STAY,
        summary="Reserved",
        confirmation_code=code,
        phone_last_digits=phone,
    )


def airbnb_block(start: date, nights: int, uid: str) -> FeedEvent:
    """Dates the host closed on Airbnb."""
    return FeedEvent(
        uid=uid,
        start=start,
        end=start + timedelta(days=nights),
        kind=FeedEventKind.BLOCK,
        summary="Airbnb (Not available)",
    )
