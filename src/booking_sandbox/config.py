"""Configuration of the sandbox: machine accounts, OAuth clients, limits and toggles."""

from __future__ import annotations

from pathlib import Path

from attrs import field, frozen

from booking_sandbox.clock import offset_from_env


@frozen
class MachineAccount:
    """A provider's machine account: token-exchange credentials plus legacy Basic credentials.

    `certified=False` makes the Connections API answer 403/497 ("not certified") for this account.
    """

    client_id: str
    client_secret: str
    username: str
    password: str
    certified: bool = True


@frozen
class OAuthClient:
    """A client registered with the sandbox's OAuth 2.0 authorisation server.

    `redirect_uris=None` accepts any http(s) redirect URI, which suits tests whose callback port
    is only known at run time. A client with a `client_secret` is confidential and must present it
    at the token endpoint (form field or HTTP Basic); PKCE (S256) is required for every client.
    """

    client_id: str
    client_secret: str | None = None
    redirect_uris: tuple[str, ...] | None = None


def _default_accounts() -> tuple[MachineAccount, ...]:
    return (
        MachineAccount(
            client_id="sandbox-client",
            client_secret="sandbox-secret",  # noqa: S106 - a published sandbox credential
            username="sandbox-user",
            password="sandbox-password",  # noqa: S106 - a published sandbox credential
        ),
    )


def _default_oauth_clients() -> tuple[OAuthClient, ...]:
    return (OAuthClient(client_id="sandbox-client", client_secret="sandbox-secret"),)  # noqa: S106


@frozen
class SandboxConfig:
    """Everything about the sandbox that is not state.

    - `preconnected_hotels`: how many of the seeded hotels start *connected* to the provider (the
      rest are `not_connected`, so the Extranet flow has something to connect). Machine accounts
      see connected hotels only; OAuth tokens see the hotels the user approved.
    - `tokens_per_hour`: token exchanges allowed per client id in a sliding hour; the next one is
      refused with HTTP 429 and a JSON error (Booking.com allows 30).
    - `allow_basic_auth`: accept the legacy machine-account username/password on API endpoints.
    - `arrival_departure_restrictions`: honour `RestrictionStatus/@Restriction="Arrival|Departure"`
      (standard OTA, unconfirmed for Booking.com); when off such restrictions get a Warning.
    - `generate_every`: seconds between background reservation events (None: no ticker).
    - `push_max_attempts` / `push_backoff`: push delivery retries (backoff doubles per attempt).
    - `clock_offset`: seconds between the sandbox's clock and the real one at start (default:
      `$BOOKING_SANDBOX_CLOCK_OFFSET`, else 0), to run the sandbox on another day.
    - `ical_slow_seconds`: how long a `slow` fault holds a listing's iCal feed by default.
    - `ical_fetch_every`: seconds between background fetches of every listing's imported feed
      (None, the default: only when asked, `POST /_sandbox/ical/listings/{id}/imports/fetch`).
    - `ical_seed_listing`: seed one Airbnb-style listing with a few stays and a block.
    - `state_path`: a JSON file that keeps the state across restarts (booking_sandbox.persistence);
      None (the default, and what tests use) keeps it in memory only.
    """

    machine_accounts: tuple[MachineAccount, ...] = field(factory=_default_accounts)
    oauth_clients: tuple[OAuthClient, ...] = field(factory=_default_oauth_clients)
    jwt_secret: str = "booking-sandbox-signing-key-not-a-secret"  # noqa: S105
    provider_name: str = "channel-manager"
    hotel_count: int = 4
    preconnected_hotels: int = 2
    ari_days: int = 120
    token_ttl_seconds: int = 3600
    tokens_per_hour: int = 30
    oauth_access_ttl_seconds: int = 3600
    oauth_code_ttl_seconds: int = 600
    allow_basic_auth: bool = False
    arrival_departure_restrictions: bool = True
    generate_every: float | None = None
    push_max_attempts: int = 6
    push_backoff: float = 0.2
    push_timeout: float = 5.0
    clock_offset: float = field(factory=offset_from_env)
    ical_slow_seconds: float = 2.0
    ical_fetch_every: float | None = None
    ical_seed_listing: bool = True
    state_path: Path | None = None

    def account_by_client_id(self, client_id: str) -> MachineAccount | None:
        """The machine account with this client id, if configured."""
        return next((a for a in self.machine_accounts if a.client_id == client_id), None)

    def account_by_username(self, username: str) -> MachineAccount | None:
        """The machine account with this legacy username, if configured."""
        return next((a for a in self.machine_accounts if a.username == username), None)

    def oauth_client(self, client_id: str) -> OAuthClient | None:
        """The registered OAuth client with this id, if any."""
        return next((c for c in self.oauth_clients if c.client_id == client_id), None)
