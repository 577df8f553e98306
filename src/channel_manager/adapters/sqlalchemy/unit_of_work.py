"""The SQLAlchemy unit of work: one connection, one transaction, every repository."""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from channel_manager.adapters.sqlalchemy.repositories.calendar import (
    SqlAlchemyBookedNightRepository,
    SqlAlchemyCalendarPushRepository,
    SqlAlchemyCalendarRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.channel import (
    SqlAlchemyAuthStateRepository,
    SqlAlchemyConnectionRepository,
    SqlAlchemyHotelClaimRepository,
    SqlAlchemyPropertyMappingRepository,
    SqlAlchemyRatePlanMappingRepository,
    SqlAlchemyUnitMappingRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.connection_rules import (
    SqlAlchemyConnectionRulesRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.feeds import SqlAlchemyCalendarFeedRepository
from channel_manager.adapters.sqlalchemy.repositories.health import SqlAlchemyHealthRepository
from channel_manager.adapters.sqlalchemy.repositories.inventory import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyOrganizationRepository,
    SqlAlchemyPropertyRepository,
    SqlAlchemyRatePlanRepository,
    SqlAlchemyUnitRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.outbound import (
    SqlAlchemyOutboundMessageRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.push_inbox import (
    SqlAlchemyPushInboxRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.records import (
    SqlAlchemyMessageLogRepository,
    SqlAlchemySecretRepository,
    SqlAlchemySyncRunRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.reservations import (
    SqlAlchemyReservationRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.web_sessions import (
    SqlAlchemySigninTokenRepository,
    SqlAlchemyWebSessionRepository,
)
from channel_manager.adapters.sqlalchemy.repositories.webhooks import SqlAlchemyWebhookRepository
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import (
    ApiKeyRepository,
    AuthStateRepository,
    BookedNightRepository,
    CalendarFeedRepository,
    CalendarPushRepository,
    CalendarRepository,
    ConnectionRepository,
    ConnectionRulesRepository,
    HealthRepository,
    HotelClaimRepository,
    MessageLogRepository,
    OrganizationRepository,
    OutboundMessageRepository,
    PropertyMappingRepository,
    PropertyRepository,
    PushInboxRepository,
    RatePlanMappingRepository,
    RatePlanRepository,
    ReservationRepository,
    SecretRepository,
    SigninTokenRepository,
    SyncRunRepository,
    UnitMappingRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UnitRepository,
    WebhookRepository,
    WebSessionRepository,
)
from channel_manager.ports.work import WorkNotifier

#: How far a claimed connection's next poll/sync moves ahead while its worker works on it.
DEFAULT_CLAIM_LEASE = timedelta(minutes=2)


class UnitOfWorkNotStarted(RuntimeError):  # noqa: N818 - reads as a state, like the domain's
    """A unit of work was used outside its ``with`` block."""


class SqlAlchemyUnitOfWork:
    """One database transaction over every repository.

    ``with uow:`` opens a connection; leaving the block rolls back whatever was not committed
    and returns the connection to the pool. After :meth:`commit` the same unit of work may go
    on: the next statement starts a new transaction. A commit that queued outbound messages
    rings ``work_signal``.
    """

    organizations: OrganizationRepository
    connections: ConnectionRepository
    hotel_claims: HotelClaimRepository
    properties: PropertyRepository
    units: UnitRepository
    rate_plans: RatePlanRepository
    property_mappings: PropertyMappingRepository
    unit_mappings: UnitMappingRepository
    rate_plan_mappings: RatePlanMappingRepository
    reservations: ReservationRepository
    calendar: CalendarRepository
    booked_nights: BookedNightRepository
    calendar_pushes: CalendarPushRepository
    calendar_feeds: CalendarFeedRepository
    sync_runs: SyncRunRepository
    outbound: OutboundMessageRepository
    message_log: MessageLogRepository
    auth_states: AuthStateRepository
    api_keys: ApiKeyRepository
    secrets: SecretRepository
    web_sessions: WebSessionRepository
    signin_tokens: SigninTokenRepository
    push_inbox: PushInboxRepository
    webhooks: WebhookRepository
    connection_rules: ConnectionRulesRepository
    health: HealthRepository

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
        work_signal: WorkNotifier | None = None,
        webhook_signal: WorkNotifier | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._claim_lease = claim_lease
        self._connection: sa.Connection | None = None
        self._work_signal = work_signal
        self._work_queued = False
        #: Rung after a commit that recorded webhook deliveries (issue 18).
        self._webhook_signal = webhook_signal
        self._webhooks_queued = False

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise UnitOfWorkNotStarted("this unit of work is already open; make a new one")
        connection = self._engine.connect()
        self._connection = connection
        self.organizations = SqlAlchemyOrganizationRepository(connection)
        self.connections = SqlAlchemyConnectionRepository(connection, self._claim_lease)
        self.hotel_claims = SqlAlchemyHotelClaimRepository(connection)
        self.properties = SqlAlchemyPropertyRepository(connection)
        self.units = SqlAlchemyUnitRepository(connection)
        self.rate_plans = SqlAlchemyRatePlanRepository(connection)
        self.property_mappings = SqlAlchemyPropertyMappingRepository(connection)
        self.unit_mappings = SqlAlchemyUnitMappingRepository(connection)
        self.rate_plan_mappings = SqlAlchemyRatePlanMappingRepository(connection)
        self.reservations = SqlAlchemyReservationRepository(connection)
        self.calendar = SqlAlchemyCalendarRepository(connection)
        self.booked_nights = SqlAlchemyBookedNightRepository(connection)
        self.calendar_pushes = SqlAlchemyCalendarPushRepository(connection)
        self.calendar_feeds = SqlAlchemyCalendarFeedRepository(connection)
        self.sync_runs = SqlAlchemySyncRunRepository(connection)
        self.outbound = SqlAlchemyOutboundMessageRepository(connection, self._queue_work)
        self.message_log = SqlAlchemyMessageLogRepository(connection)
        self.auth_states = SqlAlchemyAuthStateRepository(connection)
        self.api_keys = SqlAlchemyApiKeyRepository(connection)
        self.secrets = SqlAlchemySecretRepository(connection, self._clock.now)
        self.web_sessions = SqlAlchemyWebSessionRepository(connection)
        self.signin_tokens = SqlAlchemySigninTokenRepository(connection)
        self.push_inbox = SqlAlchemyPushInboxRepository(connection)
        self.webhooks = SqlAlchemyWebhookRepository(connection, self._queue_webhooks)
        self.connection_rules = SqlAlchemyConnectionRulesRepository(connection)
        self.health = SqlAlchemyHealthRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, then release the connection."""
        connection = self._require_open()
        self._work_queued = False
        self._webhooks_queued = False
        try:
            connection.rollback()
        finally:
            connection.close()
            self._connection = None

    def commit(self) -> None:
        """Make every change so far durable (and wake the worker when they queued work)."""
        self._require_open().commit()
        if self._work_queued:
            self._work_queued = False
            if self._work_signal is not None:
                self._work_signal.notify()
        if self._webhooks_queued:
            self._webhooks_queued = False
            if self._webhook_signal is not None:
                self._webhook_signal.notify()

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        self._work_queued = False
        self._webhooks_queued = False
        self._require_open().rollback()

    def _queue_work(self) -> None:
        self._work_queued = True

    def _queue_webhooks(self) -> None:
        self._webhooks_queued = True

    def _require_open(self) -> sa.Connection:
        if self._connection is None:
            raise UnitOfWorkNotStarted("use the unit of work inside a `with` block")
        return self._connection


class SqlAlchemyUnitOfWorkFactory:
    """Makes a fresh :class:`SqlAlchemyUnitOfWork` per call (one per operation)."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
        work_signal: WorkNotifier | None = None,
        webhook_signal: WorkNotifier | None = None,
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._claim_lease = claim_lease
        self._work_signal = work_signal
        self._webhook_signal = webhook_signal

    def __call__(self) -> SqlAlchemyUnitOfWork:
        """A new, unopened unit of work."""
        return SqlAlchemyUnitOfWork(
            self.engine,
            clock=self._clock,
            claim_lease=self._claim_lease,
            work_signal=self._work_signal,
            webhook_signal=self._webhook_signal,
        )


if TYPE_CHECKING:  # mypy proves the adapter satisfies the port; nothing runs here

    def _conforms_to_port(uow: SqlAlchemyUnitOfWork) -> UnitOfWork:
        return uow

    def _factory_conforms_to_port(factory: SqlAlchemyUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory
