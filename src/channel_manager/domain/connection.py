"""Channel connections, their lifecycle, and the single-use state of an authorisation flow."""

from __future__ import annotations

import hmac
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import attrs

from channel_manager.domain.errors import (
    AuthStateExpired,
    AuthStateForeign,
    AuthStateReused,
    InvalidTransition,
)


class ConnectionStatus(StrEnum):
    """Lifecycle of a connection; ``revoked`` is terminal."""

    PENDING = "pending"
    ACTIVE = "active"
    ERROR = "error"
    REVOKED = "revoked"


class AuthMode(StrEnum):
    """How the connection was authorised (see BOOKING_CONNECTIVITY.md section 1)."""

    OAUTH2 = "oauth2"
    BOOKING_CONNECTIVITY = "booking-connectivity"
    #: No redirect flow: the user gives a feed URL (iCal), sealed in the vault as the secret.
    FEED_URL = "feed-url"


#: The only transitions a connection may make. ``active -> active`` re-activates with fresh
#: credentials (a reconnect); ``revoked`` has no way out so a disconnect is final.
ALLOWED_TRANSITIONS: dict[ConnectionStatus, frozenset[ConnectionStatus]] = {
    ConnectionStatus.PENDING: frozenset(
        {ConnectionStatus.ACTIVE, ConnectionStatus.ERROR, ConnectionStatus.REVOKED}
    ),
    ConnectionStatus.ACTIVE: frozenset(
        {ConnectionStatus.ACTIVE, ConnectionStatus.ERROR, ConnectionStatus.REVOKED}
    ),
    ConnectionStatus.ERROR: frozenset({ConnectionStatus.ACTIVE, ConnectionStatus.REVOKED}),
    ConnectionStatus.REVOKED: frozenset(),
}


#: A poll error is kept to this many characters (the card shows it, the run keeps it whole).
MAX_POLL_ERROR = 500


@attrs.frozen(kw_only=True)
class Connection:
    """One channel account of an organisation. Credentials live in the vault under
    ``credential_ref``; this record only names them.

    State changes return a new ``Connection`` (the class is frozen).
    """

    id: UUID
    organization_id: UUID
    #: The channel's key (``booking``, ...): which registered channel plug-in the connection
    #: talks through. Required: the core dispatches on it and never assumes a channel.
    channel: str
    auth_mode: AuthMode
    status: ConnectionStatus = ConnectionStatus.PENDING
    credential_ref: str | None = None
    external_account_id: str | None = None
    error_reason: str | None = None
    created_at: datetime
    last_sync_at: datetime | None = None
    next_poll_at: datetime | None = None
    next_sync_at: datetime | None = None
    revoked_at: datetime | None = None
    #: Since when the reservation poll has been failing with no success in between, and its
    #: latest error: a connection can stay ``active`` while the channel refuses every poll
    #: (say a hotel no longer connected answers 403), and the card has to say so.
    poll_failing_since: datetime | None = None
    poll_error: str | None = None

    @property
    def is_active(self) -> bool:
        """True when the connection may talk to its channel."""
        return self.status is ConnectionStatus.ACTIVE

    def _move_to(self, target: ConnectionStatus) -> None:
        if target not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition("connection", self.status.value, target.value)

    def activate(
        self, credential_ref: str, now: datetime, external_account_id: str | None = None
    ) -> Connection:
        """Mark active with (new) credentials; schedule the first poll and sync right away."""
        self._move_to(ConnectionStatus.ACTIVE)
        return attrs.evolve(
            self,
            status=ConnectionStatus.ACTIVE,
            credential_ref=credential_ref,
            external_account_id=external_account_id or self.external_account_id,
            error_reason=None,
            next_poll_at=now,
            next_sync_at=now,
            poll_failing_since=None,
            poll_error=None,
        )

    def fail(self, reason: str) -> Connection:
        """Mark the connection broken with a reason a person can act on."""
        self._move_to(ConnectionStatus.ERROR)
        return attrs.evolve(self, status=ConnectionStatus.ERROR, error_reason=reason)

    def revoke(self, now: datetime) -> Connection:
        """Disconnect for good: no more polls or syncs."""
        self._move_to(ConnectionStatus.REVOKED)
        return attrs.evolve(
            self,
            status=ConnectionStatus.REVOKED,
            revoked_at=now,
            next_poll_at=None,
            next_sync_at=None,
        )

    def poll_failed(self, now: datetime, error: str) -> Connection:
        """A poll failed: failing since the first failure of the run, with this error."""
        return attrs.evolve(
            self,
            poll_failing_since=self.poll_failing_since or now,
            poll_error=error[:MAX_POLL_ERROR],
        )

    def poll_succeeded(self) -> Connection:
        """A poll went through: whatever failed before is over."""
        return attrs.evolve(self, poll_failing_since=None, poll_error=None)

    def schedule(
        self,
        *,
        next_poll_at: datetime | None = None,
        next_sync_at: datetime | None = None,
        last_sync_at: datetime | None = None,
    ) -> Connection:
        """Set the next poll/sync times (and the last sync time); ``None`` keeps a value."""
        return attrs.evolve(
            self,
            next_poll_at=next_poll_at if next_poll_at is not None else self.next_poll_at,
            next_sync_at=next_sync_at if next_sync_at is not None else self.next_sync_at,
            last_sync_at=last_sync_at if last_sync_at is not None else self.last_sync_at,
        )


@attrs.frozen(kw_only=True)
class AuthState:
    """The ``state`` of a redirect-and-return authorisation: single use and expiring.

    Holds the PKCE ``code_verifier`` so the callback can finish the exchange.
    """

    state: str
    organization_id: UUID
    auth_mode: AuthMode
    code_verifier: str = attrs.field(repr=False)
    redirect_uri: str
    hotel_id: str | None = None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    #: A hash of who started the flow (a browser session or an API key); the callback must
    #: present the same one, so a link finished in another browser connects nothing.
    binding: str | None = attrs.field(default=None, repr=False)

    def is_expired(self, now: datetime) -> bool:
        """True at or after ``expires_at``."""
        return now >= self.expires_at

    def check_binding(self, binding: str | None) -> None:
        """Raise unless ``binding`` is the one the flow was started with (RFC 9700 4.7)."""
        if (
            self.binding is None
            or binding is None
            or not hmac.compare_digest(self.binding, binding)
        ):
            raise AuthStateForeign(
                "this authorisation was started in another browser or by another caller; "
                "start the connection again from here"
            )

    def consume(self, now: datetime) -> AuthState:
        """Return the used copy; raise if already used or expired."""
        if self.used_at is not None:
            raise AuthStateReused("this authorisation link was already used; start again")
        if self.is_expired(now):
            raise AuthStateExpired("this authorisation link has expired; start again")
        return attrs.evolve(self, used_at=now)


@attrs.frozen(kw_only=True)
class HotelClaim:
    """Which connection (of which organisation) holds a channel hotel.

    At most one claim exists per ``(channel, external_property_id)``: the database enforces
    it, so two organisations can never both manage (push to, poll for, disconnect) the same
    hotel. A claim ends when its connection is disconnected or an operator moves the hotel.
    """

    channel: str
    external_property_id: str
    organization_id: UUID
    connection_id: UUID
    claimed_at: datetime
