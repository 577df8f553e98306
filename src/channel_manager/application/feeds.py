"""Calendar feed connections (iCal: Airbnb, Vrbo, ...): connecting one, listing them, and
the export feed each consumer fetches from us.

A feed connection fills one of our units from the other side's URL and serves that unit's
busy nights back at an unguessable URL of ours (``/ical/{token}.ics``). Both are secrets:
the import URL (whoever has it reads the other side's calendar) is sealed in the vault with
our export token (:class:`FeedSecret`) and is never handed out whole again; only the export
token's hash is stored in the clear, for looking it up. Nothing here names a channel: the feed
channels are the container's to say.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Collection
from urllib.parse import urlsplit
from uuid import UUID

import attrs

from channel_manager.application.channels import ChannelRegistry
from channel_manager.application.credentials import CredentialStore, credential_ref
from channel_manager.application.errors import ConnectionNotActive, InvalidRequest
from channel_manager.application.feed_export import EXPORT_DAYS, export_calendar
from channel_manager.application.scoping import owned_connection, owned_unit
from channel_manager.domain.connection import (
    AuthMode,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.errors import NotFound
from channel_manager.domain.feed import (
    FEED_ROOM_CODE,
    CalendarFeed,
    FeedSecret,
    feed_hotel_code,
)
from channel_manager.domain.inventory import Unit
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.feed import FeedReader, FeedWriter
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: Longest calendar name (the card and the mapping show it).
MAX_NAME = 200
#: Where a consumer fetches our export, under the public URL.
EXPORT_PATH = "/ical/{token}.ics"


def mask_url(url: str) -> str:
    """A feed URL as it may be shown: its scheme, host and port only
    (``https://www.airbnb.com/…``);
    the rest (the other side's secret) never leaves the vault."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        host, port = None, None
    if not host or not parts.scheme:
        return "…"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}/…"


def token_hash(token: str) -> str:
    """The stored form of an export token: SHA-256 hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def add_feed_connection(
    uow: UnitOfWork,
    connection: Connection,
    unit: Unit,
    *,
    name: str,
    export_token_hash: str,
    end_is_last_night: bool = False,
    new_id: Callable[[], UUID],
) -> CalendarFeed:
    """Add what makes ``connection`` (its secret sealed already) the calendar feed of
    ``unit``: the connection, its hotel claim, the mapping of its one "room" to the unit and
    its calendar; the caller commits."""
    now = connection.created_at
    code = feed_hotel_code(connection.id)
    uow.connections.add(connection)
    uow.hotel_claims.add(
        HotelClaim(
            channel=connection.channel,
            external_property_id=code,
            organization_id=connection.organization_id,
            connection_id=connection.id,
            claimed_at=now,
        )
    )
    mapping = PropertyMapping(
        id=new_id(),
        connection_id=connection.id,
        internal_property_id=unit.property_id,
        external_property_id=code,
        external_property_name=name,
        created_at=now,
    )
    uow.property_mappings.add(mapping)
    uow.unit_mappings.add(
        UnitMapping(
            id=new_id(),
            property_mapping_id=mapping.id,
            internal_unit_id=unit.id,
            external_room_type_id=FEED_ROOM_CODE,
            external_room_type_name=unit.name,
            created_at=now,
        )
    )
    feed = CalendarFeed(
        connection_id=connection.id,
        unit_id=unit.id,
        name=name,
        export_token_hash=export_token_hash,
        end_is_last_night=end_is_last_night,
        created_at=now,
    )
    uow.calendar_feeds.add(feed)
    return feed


@attrs.frozen(kw_only=True)
class FeedConnection:
    """A feed connection as its owner sees it: the connection, its calendar (the card's
    figures), our export URL, and the import URL masked (``scheme://host/…``)."""

    connection: Connection
    feed: CalendarFeed
    export_url: str
    import_url_masked: str
    unit_name: str
    property_name: str


@attrs.frozen(kw_only=True)
class ExportedFeed:
    """The body served at an export URL, its ``ETag`` (quoted SHA-256 of the body: the same
    calendar gives the same tag all day) and its ``Content-Type``."""

    body: bytes
    etag: str
    media_type: str


class FeedService:
    """Connects feed calendars, lists them, rotates their export URL and renders exports."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        channels: ChannelRegistry,
        credentials: CredentialStore,
        reader: FeedReader,
        writer: FeedWriter,
        clock: Clock,
        ids: IdGenerator,
        *,
        public_url: str,
        feed_channels: Collection[str],
        export_days: int = EXPORT_DAYS,
    ) -> None:
        """``public_url``: this service's address (export URLs are built on it);
        ``feed_channels``: the channel keys connected by a feed URL (the container's)."""
        self._uow_factory = uow_factory
        self._channels = channels
        self._credentials = credentials
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._ids = ids
        self._public_url = public_url.rstrip("/")
        self._feed_channels = frozenset(feed_channels)
        self._export_days = export_days

    def export_url(self, token: str) -> str:
        """Where the consumer fetches the export of ``token``."""
        return self._public_url + EXPORT_PATH.format(token=token)

    def _check_channel(self, channel: str) -> None:
        registered = self._channels.keys()
        known = sorted(k for k in registered if k in self._feed_channels)
        plugin = None
        if channel in self._feed_channels and channel in registered:
            plugin = self._channels.plugin(channel)
        if plugin is None or plugin.default_auth_mode is not None:
            names = ", ".join(repr(k) for k in known) or "none here"
            raise InvalidRequest(
                f"channel {channel!r} is not connected with a calendar URL "
                f"(calendar channels: {names})"
            )

    def connect(
        self,
        organization_id: UUID,
        *,
        channel: str,
        name: str,
        unit_id: UUID,
        import_url: str,
        end_is_last_night: bool = False,
    ) -> FeedConnection:
        """Connect the calendar at ``import_url`` to our unit ``unit_id`` (the caller's,
        else ``NotFound``), in one transaction: the connection (active), its sealed secret,
        its hotel claim, its mapping to the unit and its calendar; the first fetch is due
        at once. ``InvalidValue``/``InvalidRequest`` for a name, URL or channel refused."""
        self._check_channel(channel)
        name = name.strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise InvalidRequest(f"give the calendar a name of 1 to {MAX_NAME} characters")
        url = self._reader.check_url(import_url.strip())
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        connection_id = self._ids.new_id()
        ref = credential_ref(connection_id)
        connection = Connection(
            id=connection_id,
            organization_id=organization_id,
            channel=channel,
            auth_mode=AuthMode.FEED_URL,
            created_at=now,
        ).activate(ref, now)
        with self._uow_factory() as uow:
            unit = owned_unit(uow, organization_id, unit_id)
            prop = uow.properties.get(unit.property_id)
            self._credentials.put(uow, ref, FeedSecret(url, token).to_bytes())
            feed = add_feed_connection(
                uow,
                connection,
                unit,
                name=name,
                export_token_hash=token_hash(token),
                end_is_last_night=end_is_last_night,
                new_id=self._ids.new_id,
            )
            uow.commit()
        logger.info(
            "calendar connection %s active (%s, unit %s, from %s)",
            connection_id,
            channel,
            unit.id,
            mask_url(url),
        )
        return FeedConnection(
            connection=connection,
            feed=feed,
            export_url=self.export_url(token),
            import_url_masked=mask_url(url),
            unit_name=unit.name,
            property_name=prop.name,
        )

    def list(self, organization_id: UUID) -> builtins.list[FeedConnection]:
        """The organisation's feed connections that are active or in error (revoked ones
        are left out), oldest first."""
        with self._uow_factory() as uow:
            found = [
                self._read(uow, connection)
                for connection in uow.connections.list(organization_id)
                if connection.auth_mode is AuthMode.FEED_URL
                and connection.status is not ConnectionStatus.REVOKED
            ]
        return [self._opened(*parts) for parts in found]

    def get(self, organization_id: UUID, connection_id: UUID) -> FeedConnection:
        """One feed connection of the organisation; ``NotFound`` for another's, one that
        is not a feed, or a revoked one (its URLs are gone with its secret)."""
        with self._uow_factory() as uow:
            parts = self._read(uow, self._owned_feed(uow, organization_id, connection_id))
        return self._opened(*parts)

    def rotate_export(self, organization_id: UUID, connection_id: UUID) -> FeedConnection:
        """Give the connection a new export token: the old export URL answers 404 from the
        commit on (the consumer must be given the new one)."""
        token = secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            ref = self._ref(self._owned_feed(uow, organization_id, connection_id))
        secret = FeedSecret.from_bytes(self._credentials.load(ref))
        with self._uow_factory() as uow:
            connection = self._owned_feed(uow, organization_id, connection_id)
            self._credentials.put(uow, ref, FeedSecret(secret.import_url, token).to_bytes())
            feed = uow.calendar_feeds.get(connection.id)
            uow.calendar_feeds.update(attrs.evolve(feed, export_token_hash=token_hash(token)))
            uow.commit()
        logger.info("calendar connection %s: export URL rotated", connection_id)
        return self.get(organization_id, connection_id)

    def export(self, token: str) -> ExportedFeed:
        """The export served at ``token``'s URL; ``NotFound`` for a token that is unknown,
        rotated away, or of a revoked connection (found by its hash, compared in constant
        time)."""
        wanted = token_hash(token)
        with self._uow_factory() as uow:
            feed = uow.calendar_feeds.find_by_token_hash(wanted)
            if feed is None or not hmac.compare_digest(feed.export_token_hash, wanted):
                raise NotFound("calendar", "export")
            connection = uow.connections.get(feed.connection_id)
            if connection.status is ConnectionStatus.REVOKED:
                raise NotFound("calendar", "export")
            calendar = export_calendar(uow, feed, self._clock.now(), self._export_days)
        body = self._writer.render(calendar)
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        return ExportedFeed(body=body, etag=etag, media_type=self._writer.media_type)

    @staticmethod
    def _owned_feed(uow: UnitOfWork, organization_id: UUID, connection_id: UUID) -> Connection:
        connection = owned_connection(uow, organization_id, connection_id)
        if connection.auth_mode is not AuthMode.FEED_URL:
            raise NotFound("calendar connection", connection_id)
        if connection.status is ConnectionStatus.REVOKED:
            raise NotFound("calendar connection", connection_id)
        return connection

    @staticmethod
    def _ref(connection: Connection) -> str:
        if connection.credential_ref is None:
            raise ConnectionNotActive(f"calendar connection {connection.id} has no stored URL")
        return connection.credential_ref

    @staticmethod
    def _read(uow: UnitOfWork, connection: Connection) -> tuple[Connection, CalendarFeed, str, str]:
        feed = uow.calendar_feeds.get(connection.id)
        unit = uow.units.get(feed.unit_id)
        prop = uow.properties.get(unit.property_id)
        return connection, feed, unit.name, prop.name

    def _opened(
        self, connection: Connection, feed: CalendarFeed, unit: str, prop: str
    ) -> FeedConnection:
        """The view, with the secret opened (after the read's unit of work is closed)."""
        secret = FeedSecret.from_bytes(self._credentials.load(self._ref(connection)))
        return FeedConnection(
            connection=connection,
            feed=feed,
            export_url=self.export_url(secret.export_token),
            import_url_masked=mask_url(secret.import_url),
            unit_name=unit,
            property_name=prop,
        )
