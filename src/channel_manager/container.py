"""The composition root: the only place where adapters are chosen and wired.

REST, web UI, CLI, worker and tests all build one :class:`Container` from validated
:class:`~channel_manager.settings.Settings`. Nothing here connects to anything at import time:
providers are lazy, and :func:`build_container` only checks the wiring.
Channels are plug-ins: ``channels`` is the registry of every ``channel_plugins`` entry, keyed by
``Connection.channel``. Tests override ``engine`` (a copy of a migrated SQLite file),
``gateways`` or ``authorizers`` (Booking's parts, with fakes), and ``channel_plugins`` to add a
second channel.
"""

from __future__ import annotations

import inspect
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterator, Mapping

from dependency_injector import containers, providers
from sqlalchemy.engine import Engine

from channel_manager.adapters.booking.push_codec import OtaMessageExcerpts, OtaPushCodec
from channel_manager.adapters.booking.wiring import (
    BOOKING_CHANNEL,
    BookingAdapters,
    BookingChannel,
    booking_request_budgets,
)
from channel_manager.adapters.ical.fetch import FetchPolicy
from channel_manager.adapters.ical.gateway import ICAL_CHANNEL
from channel_manager.adapters.ical.plugin import IcalChannel, IcalGatewayFactory
from channel_manager.adapters.ical.reader import HttpFeedReader
from channel_manager.adapters.ical.render import IcalFeedWriter
from channel_manager.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
)
from channel_manager.adapters.system import SystemClock, Uuid4Generator
from channel_manager.adapters.throttle import FailureThrottle
from channel_manager.adapters.vault import AesGcmVault
from channel_manager.adapters.webhooks.http import HttpWebhookTransport
from channel_manager.application.apikeys import ApiKeyService
from channel_manager.application.ari import AriOutbox, AriService, AvailabilityPublisher
from channel_manager.application.calendar import CalendarService
from channel_manager.application.channels import ChannelRegistry
from channel_manager.application.claim_scope import ClaimScopedGateways
from channel_manager.application.connect import ConnectService
from channel_manager.application.connection_rules import ConnectionRulesService
from channel_manager.application.credentials import CredentialStore
from channel_manager.application.feeds import FeedService
from channel_manager.application.health import ChannelHealth
from channel_manager.application.inventory import InventoryService
from channel_manager.application.mappings import MappingService
from channel_manager.application.message_log import MessageLogWriter
from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.application.overbookings import OverbookingQuery
from channel_manager.application.push_inbox import PushInbox
from channel_manager.application.queries import Queries
from channel_manager.application.rate_plans import RatePlanService
from channel_manager.application.repair import RepairService
from channel_manager.application.reservations import ReservationIntake
from channel_manager.application.signin_links import SigninLinks
from channel_manager.application.sync import SyncIntervals, SyncService
from channel_manager.application.web_sessions import WebSessionService
from channel_manager.application.webhooks import WebhookDispatcher, WebhookOutbox, WebhookService
from channel_manager.application.work_signal import WorkSignal
from channel_manager.domain.connection import AuthMode
from channel_manager.domain.health import HealthThresholds
from channel_manager.domain.retry import RetryPolicy
from channel_manager.ports.channel import AuthorizationFlow, ChannelGatewayFactory
from channel_manager.ports.clock import Clock
from channel_manager.ports.feed import FeedReader
from channel_manager.settings import Settings

logger = logging.getLogger(__name__)

#: Where a channel sends the user back to after its authorisation page.
CALLBACK_PATH = "/oauth/{channel}/callback"
#: Booking.com's key: its connect paths and its push endpoint name it.
BOOKING = BOOKING_CHANNEL
#: Where Booking.com's OTA push senders deliver reservations (the push endpoint's path).
BOOKING_PUSH_PATH = f"/ota/{BOOKING}/reservations"


def _vault(settings: Settings) -> AesGcmVault:
    return AesGcmVault.from_config(settings.vault.keys.reveal_text())


def _redirect_uris(settings: Settings) -> Callable[[str], str]:
    """The redirect URI of each channel's authorisation flow."""
    base = settings.http.public_url.rstrip("/")
    return lambda channel: base + CALLBACK_PATH.format(channel=channel)


def _authorizers(adapters: BookingAdapters) -> Mapping[AuthMode, AuthorizationFlow]:
    return adapters.authorizers()


def _gateways(adapters: BookingAdapters) -> ChannelGatewayFactory:
    return adapters.gateway_factory()


def _health_thresholds(settings: Settings) -> HealthThresholds:
    """The ``CM_HEALTH_*`` settings as the domain's thresholds."""
    health = settings.health
    return HealthThresholds(
        poll_red_after=health.poll_red_after,
        unacknowledged_after=health.unacknowledged_after,
        queue_amber_after=health.queue_amber_after,
        queue_red_after=health.queue_red_after,
        error_rate_amber=health.error_rate_amber,
        error_rate_red=health.error_rate_red,
        min_attempts=health.min_attempts,
    )


def _database_engine(url: str) -> Iterator[Engine]:
    """The engine, its pool closed when the container shuts down."""
    engine = create_database_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _feed_reader(settings: Settings, clock: Clock) -> HttpFeedReader:
    """Reads iCal feeds under the fetch settings (allowed networks, timeout, size), bounding
    recurring events by the clock's date."""
    policy = FetchPolicy(
        allowed_networks=settings.ical.allowed_networks,
        timeout=settings.ical.fetch_timeout.total_seconds(),
        # The whole fetch (redirects and body) within two read timeouts: a feed that trickles
        # its bytes cannot hold a worker for long.
        deadline=2 * settings.ical.fetch_timeout.total_seconds(),
        max_bytes=settings.ical.fetch_max_bytes,
    )
    return HttpFeedReader(policy, clock=clock)


async def _channel_clients(
    adapters: BookingAdapters, feed_reader: FeedReader
) -> AsyncIterator[BookingAdapters]:
    """The channels' HTTP clients, closed on the event loop when the container shuts down."""
    try:
        yield adapters
    finally:
        try:
            await adapters.aclose()
        finally:
            await feed_reader.aclose()


def _webhook_transport(settings: Settings) -> HttpWebhookTransport:
    """POSTs webhook deliveries under the address rules (``CM_WEBHOOK_*``)."""
    return HttpWebhookTransport(
        settings.webhooks.allowed_networks,
        timeout=settings.webhooks.timeout.total_seconds(),
    )


async def _webhook_client(transport: HttpWebhookTransport) -> AsyncIterator[None]:
    """Closes the webhook transport's HTTP client on the event loop at shutdown."""
    try:
        yield None
    finally:
        await transport.aclose()


class Container(containers.DeclarativeContainer):
    """Every long-lived object of one process."""

    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock, settings.provided.clock_offset)
    ids = providers.Singleton(Uuid4Generator)
    rng = providers.Singleton(random.SystemRandom)

    #: Rung by every unit of work that commits outbound work: this process's idle worker wakes.
    work_signal = providers.Singleton(WorkSignal)
    #: Rung by the push endpoint after storing a push: this process's inbox applier wakes.
    inbox_signal = providers.Singleton(WorkSignal)
    #: Rung by a commit that recorded webhook deliveries: this process's webhook loop wakes.
    webhook_signal = providers.Singleton(WorkSignal)

    engine = providers.Resource(_database_engine, settings.provided.database.url)
    uow_factory = providers.Singleton(
        SqlAlchemyUnitOfWorkFactory,
        engine,
        clock=clock,
        work_signal=work_signal,
        webhook_signal=webhook_signal,
    )
    vault = providers.Singleton(_vault, settings)
    #: Where services record webhook events, in their own unit of work: the webhook outbox
    #: (one delivery per subscription wanting the event, sent by the worker).
    events = providers.Singleton(WebhookOutbox, clock, ids)
    credentials = providers.Singleton(CredentialStore, uow_factory, vault)
    message_log = providers.Singleton(MessageLogWriter, uow_factory, clock, ids)

    booking = providers.Singleton(BookingAdapters, settings, credentials, message_log, clock)
    #: Reads the iCal feeds of every iCal connection (tests put an in-memory reader here) and
    #: writes our export feeds.
    feed_reader = providers.Singleton(_feed_reader, settings, clock)
    feed_writer = providers.Singleton(IcalFeedWriter)
    #: Closes the Booking.com client and the feed reader on shutdown (:func:`close_resources`).
    channel_clients = providers.Resource(_channel_clients, booking, feed_reader)
    #: Pushed reservations in the Booking adapter's OTA form, and its logged messages' excerpts.
    push_codec = providers.Singleton(OtaPushCodec, settings.provided.http.max_body_bytes)
    message_excerpts = providers.Singleton(OtaMessageExcerpts)
    #: Booking.com's gateway factory and authorisers (tests put the in-memory fakes here),
    #: registered as the ``booking`` channel.
    gateways = providers.Singleton(_gateways, booking)
    authorizers = providers.Singleton(_authorizers, booking)
    booking_channel = providers.Singleton(
        BookingChannel,
        authorizers=authorizers,
        gateways=gateways,
        default_auth_mode=settings.provided.booking.auth_mode,
        request_budgets=providers.Callable(
            booking_request_budgets,
            settings.provided.booking.ari_budget,
            settings.provided.booking.ari_account_budget,
        ),
    )
    #: iCal (Airbnb, Vrbo): calendar feeds, fetched every ``CM_ICAL_INTERVAL``.
    ical_gateways = providers.Singleton(
        IcalGatewayFactory,
        feed_reader,
        uow_factory,
        credentials,
        clock,
        # A suspect (empty, much smaller) feed is confirmed only by a fetch at least half
        # an interval later: not by a "Sync now" seconds after it.
        suspect_hold=providers.Callable(lambda s: s.ical.interval / 2, settings),
    )
    ical_channel = providers.Singleton(
        IcalChannel, gateways=ical_gateways, poll_interval=settings.provided.ical.interval
    )
    #: Every channel plug-in; ``channels`` dispatches on ``Connection.channel``.
    channel_plugins = providers.List(booking_channel, ical_channel)
    channels = providers.Singleton(ChannelRegistry, channel_plugins)
    # Every use case talks to the channel through this: a booking-connectivity gateway acts
    # only on the hotel its connection holds (defence in depth behind the status checks).
    held_gateways = providers.Singleton(ClaimScopedGateways, channels, uow_factory)

    retry_policy = providers.Singleton(
        RetryPolicy, max_attempts=settings.provided.worker.outbound_max_attempts
    )
    #: Queues each connection's change sets as its channel's publish policy shapes them.
    outbox = providers.Singleton(
        AriOutbox, clock, ids, settings.provided.worker.outbound_max_attempts, channels
    )
    availability = providers.Singleton(AvailabilityPublisher, outbox)
    intake = providers.Singleton(ReservationIntake, uow_factory, ids, availability, events=events)
    intervals = providers.Singleton(
        SyncIntervals,
        poll=settings.provided.worker.poll_interval,
        full=settings.provided.worker.sync_interval,
    )

    connect = providers.Singleton(
        ConnectService,
        uow_factory,
        channels,
        credentials,
        clock,
        ids,
        redirect_uri=providers.Callable(_redirect_uris, settings),
        intake=intake,
    )
    inventory = providers.Singleton(InventoryService, uow_factory, ids)
    mappings = providers.Singleton(
        MappingService, uow_factory, held_gateways, availability, clock, ids
    )
    ari = providers.Singleton(AriService, uow_factory, outbox, clock)
    calendar = providers.Singleton(CalendarService, uow_factory, outbox, clock)
    #: Rate plans, plain and derived from another plan (issue 18).
    rate_plans = providers.Singleton(RatePlanService, uow_factory, ids, outbox, clock)
    #: Resync and drift; the drift check reads a channel's ARI back through ``gateways``
    #: where one can (it checks hotel claims itself, as ``held_gateways`` would).
    repair = providers.Singleton(RepairService, uow_factory, outbox, clock, gateways)
    connection_rules = providers.Singleton(ConnectionRulesService, uow_factory, outbox, clock)
    dispatcher = providers.Singleton(
        OutboundDispatcher,
        uow_factory,
        held_gateways,
        clock,
        retry_policy,
        rng,
        events=events,
        budgets=channels,
    )
    sync = providers.Singleton(
        SyncService,
        uow_factory,
        held_gateways,
        intake,
        clock,
        ids,
        intervals,
        cadence=channels,
        jitter=rng,
    )
    queries = providers.Singleton(Queries, uow_factory, clock)
    api_keys = providers.Singleton(ApiKeyService, uow_factory, clock, ids)
    web_sessions = providers.Singleton(WebSessionService, uow_factory, clock)
    signin_links = providers.Singleton(SigninLinks, uow_factory, clock)
    #: Lockout after repeated credential failures (sign-in, API keys, push Basic).
    auth_throttle = providers.Singleton(FailureThrottle, settings.provided.http.auth_failure_limit)

    #: The channels connected by a feed URL (``POST /connections`` with a calendar URL).
    feed_channels = providers.Object((ICAL_CHANNEL,))
    #: Connect, list and rotate calendar feeds; render the export a consumer fetches.
    feeds = providers.Singleton(
        FeedService,
        uow_factory,
        channels,
        credentials,
        feed_reader,
        feed_writer,
        clock,
        ids,
        public_url=settings.provided.http.public_url,
        feed_channels=feed_channels,
    )
    #: Nights booked beyond a unit's rooms, across channels.
    overbookings = providers.Singleton(OverbookingQuery, uow_factory, clock)
    #: Channel health (issue 18): reports per connection, and the worker's periodic check.
    health_thresholds = providers.Singleton(_health_thresholds, settings)
    health = providers.Singleton(
        ChannelHealth,
        uow_factory,
        clock,
        events,
        health_thresholds,
        every=settings.provided.health.check_interval,
        channel_labels=providers.Object({BOOKING_CHANNEL: "Booking.com"}),
    )
    #: Pushed messages acknowledged on arrival, applied by the worker in batches (issue 17).
    push_inbox = providers.Singleton(
        PushInbox,
        push_codec,
        uow_factory,
        intake,
        message_log,
        clock,
        vault,
        channel=BOOKING,
        endpoint=BOOKING_PUSH_PATH,
        wake=inbox_signal,
        events=events,
    )

    #: Webhooks (issue 18): subscriptions and the dispatcher of their deliveries.
    webhook_transport = providers.Singleton(_webhook_transport, settings)
    webhook_client = providers.Resource(_webhook_client, webhook_transport)
    webhooks = providers.Singleton(
        WebhookService,
        uow_factory,
        webhook_transport,
        vault,
        clock,
        ids,
        max_subscriptions=settings.provided.webhooks.max_subscriptions,
    )
    webhook_retry_policy = providers.Singleton(
        RetryPolicy,
        max_attempts=settings.provided.webhooks.max_attempts,
        max_delay=settings.provided.webhooks.max_backoff,
    )
    webhook_dispatcher = providers.Singleton(
        WebhookDispatcher,
        uow_factory,
        webhook_transport,
        vault,
        clock,
        webhook_retry_policy,
        rng,
        retention=settings.provided.webhooks.retention,
    )


async def open_resources(container: Container) -> None:
    """Open what the container owns (the database engine, the channels' HTTP clients) on the
    running event loop; each entrypoint calls it once when it starts."""
    opened = container.init_resources()
    if inspect.isawaitable(opened):
        await opened


async def close_resources(container: Container) -> None:
    """Close what :func:`open_resources` opened, on the same event loop, when the entrypoint
    stops (the HTTP clients first need the loop they were used on)."""
    closed = container.shutdown_resources()
    if inspect.isawaitable(closed):
        await closed


def build_container(settings: Settings) -> Container:
    """A container for ``settings``, its wiring checked (a miswired provider fails here)."""
    container = Container(settings=settings)
    container.check_dependencies()
    if settings.clock_offset:
        logger.warning(
            "CM_CLOCK_OFFSET shifts this process's clock by %s (tests and demos only)",
            settings.clock_offset,
        )
    return container
