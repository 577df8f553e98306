"""The in-memory unit of work and its factory (a fake that passes the repository contract)."""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from channel_manager.adapters.memory.calendar import (
    InMemoryBookedNightRepository,
    InMemoryCalendarPushRepository,
    InMemoryCalendarRepository,
)
from channel_manager.adapters.memory.feeds import InMemoryCalendarFeedRepository
from channel_manager.adapters.memory.mappings import (
    InMemoryRatePlanMappingRepository,
    InMemoryUnitMappingRepository,
)
from channel_manager.adapters.memory.push_inbox import InMemoryPushInboxRepository
from channel_manager.adapters.memory.records import (
    InMemoryMessageLogRepository,
    InMemoryOutboundMessageRepository,
    InMemoryReservationRepository,
    InMemorySecretRepository,
    InMemorySyncRunRepository,
)
from channel_manager.adapters.memory.repositories import (
    InMemoryApiKeyRepository,
    InMemoryAuthStateRepository,
    InMemoryConnectionRepository,
    InMemoryHotelClaimRepository,
    InMemoryOrganizationRepository,
    InMemoryPropertyMappingRepository,
    InMemoryPropertyRepository,
    InMemoryRatePlanRepository,
    InMemoryUnitRepository,
)
from channel_manager.adapters.memory.store import InMemoryStore, TableView
from channel_manager.adapters.memory.web_sessions import (
    InMemorySigninTokenRepository,
    InMemoryWebSessionRepository,
)
from channel_manager.ports.repositories import (
    ApiKeyRepository,
    AuthStateRepository,
    BookedNightRepository,
    CalendarFeedRepository,
    CalendarPushRepository,
    CalendarRepository,
    ConnectionRepository,
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
    WebSessionRepository,
)
from channel_manager.ports.work import WorkNotifier

#: Same default as the SQLAlchemy adapter: how far a claimed connection's next time moves.
DEFAULT_CLAIM_LEASE = timedelta(minutes=2)


class InMemoryUnitOfWork:
    """A transaction over the shared :class:`InMemoryStore`: changes stay private to this
    unit of work until :meth:`commit`; leaving the ``with`` block discards the rest. A commit
    that queued outbound messages rings ``work_signal``.
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

    def __init__(
        self,
        store: InMemoryStore,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
        *,
        work_signal: WorkNotifier | None = None,
    ) -> None:
        self._store = store
        self._views: list[TableView[Any]] = []
        self._work_signal = work_signal
        self._work_queued = False
        connections: TableView[Any] = self._view("connections", "connection")
        self.organizations = InMemoryOrganizationRepository(
            self._view("organizations", "organization")
        )
        self.connections = InMemoryConnectionRepository(connections, claim_lease)
        self.hotel_claims = InMemoryHotelClaimRepository(self._view("hotel_claims", "hotel claim"))
        self.properties = InMemoryPropertyRepository(self._view("properties", "property"))
        self.units = InMemoryUnitRepository(self._view("units", "unit"))
        self.rate_plans = InMemoryRatePlanRepository(self._view("rate_plans", "rate plan"))
        self.property_mappings = InMemoryPropertyMappingRepository(
            self._view("property_mappings", "property mapping")
        )
        self.unit_mappings = InMemoryUnitMappingRepository(
            self._view("unit_mappings", "unit mapping")
        )
        self.rate_plan_mappings = InMemoryRatePlanMappingRepository(
            self._view("rate_plan_mappings", "rate plan mapping")
        )
        self.reservations = InMemoryReservationRepository(
            self._view("reservations", "reservation"), connections
        )
        self.sync_runs = InMemorySyncRunRepository(self._view("sync_runs", "sync run"))
        outbound: TableView[Any] = self._view("outbound", "outbound message")
        self.outbound = InMemoryOutboundMessageRepository(outbound, connections, self._queue_work)
        self.calendar = InMemoryCalendarRepository(self._view("calendar", "calendar night"))
        self.booked_nights = InMemoryBookedNightRepository(
            self._view("booked_nights", "booked night")
        )
        self.calendar_pushes = InMemoryCalendarPushRepository(
            self._view("calendar_pushes", "calendar push link"), outbound
        )
        self.calendar_feeds = InMemoryCalendarFeedRepository(
            self._view("calendar_feeds", "calendar feed"),
            self._view("feed_known_events", "feed event"),
        )
        self.message_log = InMemoryMessageLogRepository(
            self._view("message_log", "message log entry")
        )
        self.auth_states = InMemoryAuthStateRepository(
            self._view("auth_states", "authorisation state")
        )
        self.api_keys = InMemoryApiKeyRepository(self._view("api_keys", "api key"))
        self.secrets = InMemorySecretRepository(
            self._view("secrets", "secret"), self._view("secret_leases", "secret lease")
        )
        self.web_sessions = InMemoryWebSessionRepository(self._view("web_sessions", "session"))
        self.signin_tokens = InMemorySigninTokenRepository(
            self._view("signin_tokens", "sign-in token")
        )
        self.push_inbox = InMemoryPushInboxRepository(self._view("push_inbox", "push inbox row"))

    def _view(self, name: str, kind: str) -> TableView[Any]:
        view: TableView[Any] = TableView(self._store, name, kind, owner=self)
        self._views.append(view)
        return view

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Discard whatever was not committed and release this unit of work's claims."""
        self.rollback()

    def commit(self) -> None:
        """Apply every change to the shared store at once (and wake the worker when they
        queued work)."""
        with self._store.lock:
            for view in self._views:
                view.apply()
            self._release_claims()
        if self._work_queued:
            self._work_queued = False
            if self._work_signal is not None:
                self._work_signal.notify()

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        self._work_queued = False
        with self._store.lock:
            for view in self._views:
                view.discard()
            self._release_claims()

    def _queue_work(self) -> None:
        self._work_queued = True

    def _release_claims(self) -> None:
        claims = self._store.claims
        for key in [key for key, holder in claims.items() if holder is self]:
            del claims[key]
        self._store.released.notify_all()  # units of work waiting for these rows go on


class InMemoryUnitOfWorkFactory:
    """Makes units of work over one shared store (one store per application or test)."""

    def __init__(
        self,
        store: InMemoryStore | None = None,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
        *,
        work_signal: WorkNotifier | None = None,
    ) -> None:
        self.store = store or InMemoryStore()
        self._claim_lease = claim_lease
        self._work_signal = work_signal

    def __call__(self) -> InMemoryUnitOfWork:
        """A new unit of work."""
        return InMemoryUnitOfWork(self.store, self._claim_lease, work_signal=self._work_signal)


if TYPE_CHECKING:  # mypy proves the fake satisfies the port; nothing runs here

    def _conforms_to_port(uow: InMemoryUnitOfWork) -> UnitOfWork:
        return uow

    def _factory_conforms_to_port(factory: InMemoryUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory
