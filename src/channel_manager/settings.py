"""Configuration from environment variables (prefix ``CM_``), validated once at start-up.

`Settings.from_env` reads every setting, collects every problem, and raises one `SettingsError`
whose message names each bad setting and what is wrong with it. Durations accept ``20s``, ``5m``,
``1h`` or plain seconds; sizes accept ``5MiB``, ``512KiB`` or plain bytes; lists are
comma-separated. Empty values count as unset. Credentials are held as `Secret`, and the database
URL's password is masked, so ``repr(settings)`` is safe to log.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import ipaddress
import math
import os
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from attrs import field, frozen
from limits import parse as parse_rate_limit

from channel_manager.adapters.vault.keys import parse_vault_keys
from channel_manager.domain.connection import AuthMode
from channel_manager.ports.vault import InvalidVaultKey, Secret

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: The push password's minimum strength (never printed back in the problem).
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_DISTINCT = 8
EnumT = TypeVar("EnumT", bound=enum.StrEnum)

# A fixed, publicly known key, used only when a caller explicitly asks for development defaults
# (tests, a throwaway local server). Its id says what it is, so tokens sealed under it stand out.
DEV_VAULT_KEYS = "insecure-dev:" + base64.urlsafe_b64encode(
    hashlib.sha256(b"channel-manager insecure development vault key").digest()
).decode("ascii")

_DURATION = re.compile(r"(?P<amount>\d+)\s*(?P<unit>ms|[smh]?)", re.IGNORECASE)
#: Durations are counted in milliseconds so tests can ask for sub-second cadences.
_DURATION_UNITS = {"": 1000, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_SIZE = re.compile(r"(?P<amount>\d+)\s*(?P<unit>b|k|kib|m|mib)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2}
_WHOLE_NUMBER = re.compile(r"(?P<amount>\d+)(?P<unit>)")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_URL_PASSWORD = re.compile(r"(?P<user>://[^:/@]*:)[^@/]*@")


class ClosedToArrivalMode(enum.StrEnum):
    """How closed-to-arrival/departure restrictions are sent.

    ``RestrictionStatus/@Restriction="Arrival|Departure"`` is standard OTA but unconfirmed for
    Booking.com, so it is a switch: ``restriction-status`` sends it, ``disabled`` never sends
    CTA/CTD (the other restrictions still go out).
    """

    RESTRICTION_STATUS = "restriction-status"
    DISABLED = "disabled"


class SettingsError(Exception):
    """One or more settings are missing or invalid; `problems` lists each as ``NAME: reason``."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid configuration: " + "; ".join(problems))
        self.problems = tuple(problems)


def _mask_url_password(url: str) -> str:
    return repr(_URL_PASSWORD.sub(r"\g<user>***@", url))


@frozen(kw_only=True)
class Settings:
    """Every setting the service reads, typed and validated. Build it with `from_env`."""

    vault_keys: Secret
    database_url: str = field(default="sqlite:///./channel-manager.db", repr=_mask_url_password)
    booking_base_url: str = "https://supply-xml.booking.com"
    booking_secure_url: str = "https://secure-supply-xml.booking.com"
    booking_token_url: str = (
        "https://connectivity-authentication.booking.com/token-based-authentication/exchange"  # noqa: S105 -- a URL
    )
    # The Extranet, where a property requests a connection; the exact page is unconfirmed.
    booking_auth_url: str = "https://admin.booking.com/"
    booking_client_id: str | None = None
    booking_client_secret: Secret | None = None
    booking_auth_mode: AuthMode = AuthMode.OAUTH2
    booking_provider_id: str | None = None
    push_username: str | None = None
    push_password: Secret | None = None
    push_allowed_ips: tuple[IpNetwork, ...] = ()  # empty: any address may push
    trusted_proxies: tuple[IpNetwork, ...] = ()
    poll_interval: timedelta = timedelta(seconds=20)
    #: How often a calendar feed (iCal) is fetched: its own cadence, far slower than a queue.
    ical_interval: timedelta = timedelta(minutes=10)
    #: Networks a feed URL may reach although they are not public (loopback, private,
    #: link-local are refused otherwise); the sandbox and tests list theirs.
    fetch_allowed_networks: tuple[IpNetwork, ...] = ()
    #: Seconds to connect to a feed and between two reads of its answer.
    fetch_timeout: timedelta = timedelta(seconds=10)
    #: The largest feed body read.
    fetch_max_bytes: int = 5_000_000
    ack_pause: timedelta = timedelta(seconds=5)
    #: Reservations asked for per queue GET (Booking.com's ``limit``; the bound is unconfirmed).
    queue_limit: int = 200
    sync_interval: timedelta = timedelta(minutes=30)
    public_url: str = "http://127.0.0.1:8000"
    http_timeout: timedelta = timedelta(seconds=30)
    max_body_bytes: int = 5 * 1024 * 1024
    #: Failed credentials (sign-in, API key, push Basic) per client address and per credential
    #: before further attempts are refused with 429 (``limits`` notation).
    auth_failure_limit: str = "10 per 15 minutes"
    outbound_max_attempts: int = 8
    closed_to_arrival_mode: ClosedToArrivalMode = ClosedToArrivalMode.RESTRICTION_STATUS
    log_level: str = "INFO"
    #: Shifts the service's clock (tests and demos only: run on another day; zero in production).
    clock_offset: timedelta = timedelta(0)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dev_vault_key: bool = False
    ) -> Settings:
        """Read settings from `environ` (default: the process environment).

        `CM_VAULT_KEYS` is required unless `dev_vault_key` is true, in which case a missing
        value falls back to the publicly known `DEV_VAULT_KEYS` (never for real credentials).
        Raises `SettingsError` listing every problem found.
        """
        env = _EnvReader(os.environ if environ is None else environ)
        defaults = _DEFAULTS  # the field defaults above, written once
        settings = cls(
            vault_keys=env.vault_keys("CM_VAULT_KEYS", dev_vault_key=dev_vault_key),
            database_url=env.database_url("CM_DATABASE_URL", defaults.database_url),
            booking_base_url=env.url("CM_BOOKING_BASE_URL", defaults.booking_base_url),
            booking_secure_url=env.url("CM_BOOKING_SECURE_URL", defaults.booking_secure_url),
            booking_token_url=env.url("CM_BOOKING_TOKEN_URL", defaults.booking_token_url),
            booking_auth_url=env.url("CM_BOOKING_AUTH_URL", defaults.booking_auth_url),
            booking_client_id=env.raw("CM_BOOKING_CLIENT_ID"),
            booking_client_secret=env.secret("CM_BOOKING_CLIENT_SECRET"),
            booking_auth_mode=env.choice("CM_BOOKING_AUTH_MODE", defaults.booking_auth_mode),
            booking_provider_id=env.raw("CM_BOOKING_PROVIDER_ID"),
            push_username=env.raw("CM_PUSH_USERNAME"),
            push_password=env.secret("CM_PUSH_PASSWORD"),
            push_allowed_ips=env.networks("CM_PUSH_ALLOWED_IPS"),
            trusted_proxies=env.networks("CM_TRUSTED_PROXIES"),
            poll_interval=env.duration("CM_POLL_INTERVAL", defaults.poll_interval),
            ical_interval=env.duration("CM_ICAL_INTERVAL", defaults.ical_interval),
            fetch_allowed_networks=env.networks("CM_FETCH_ALLOWED_NETWORKS"),
            fetch_timeout=env.duration("CM_FETCH_TIMEOUT", defaults.fetch_timeout),
            fetch_max_bytes=env.byte_size("CM_FETCH_MAX_BYTES", defaults.fetch_max_bytes),
            ack_pause=env.duration("CM_ACK_PAUSE", defaults.ack_pause),
            queue_limit=env.positive_int("CM_BOOKING_QUEUE_LIMIT", defaults.queue_limit),
            sync_interval=env.duration("CM_SYNC_INTERVAL", defaults.sync_interval),
            public_url=env.url("CM_PUBLIC_URL", defaults.public_url),
            http_timeout=env.duration("CM_HTTP_TIMEOUT", defaults.http_timeout),
            max_body_bytes=env.byte_size("CM_MAX_BODY_BYTES", defaults.max_body_bytes),
            auth_failure_limit=env.rate_limit("CM_AUTH_FAILURE_LIMIT", defaults.auth_failure_limit),
            outbound_max_attempts=env.positive_int(
                "CM_OUTBOUND_MAX_ATTEMPTS", defaults.outbound_max_attempts
            ),
            closed_to_arrival_mode=env.choice(
                "CM_CLOSED_TO_ARRIVAL_MODE", defaults.closed_to_arrival_mode
            ),
            log_level=env.log_level("CM_LOG_LEVEL", defaults.log_level),
            clock_offset=env.offset("CM_CLOCK_OFFSET"),
        )
        env.require_together("CM_PUSH_USERNAME", "CM_PUSH_PASSWORD")
        env.strong_password("CM_PUSH_PASSWORD")
        if env.problems:
            raise SettingsError(env.problems)
        return settings

    def known_secrets(self) -> tuple[Secret, ...]:
        """Every configured credential, for `SecretRedactingFilter(known_secrets=...)`.

        Each vault key's encoded material is listed on its own, so a single key that reaches a
        log line is masked even though the whole `CM_VAULT_KEYS` text never appears there.
        """
        key_materials = [
            Secret(entry.rpartition(":")[2].strip())
            for entry in self.vault_keys.reveal_text().split(",")
            if entry.strip()
        ]
        candidates = (*key_materials, self.booking_client_secret, self.push_password)
        return tuple(secret for secret in candidates if secret is not None)


_DEFAULTS = Settings(vault_keys=Secret(""))


class _EnvReader:
    """Reads and converts `CM_` variables, recording a problem instead of stopping at the first.

    On a problem each reader returns the default, so parsing continues and every bad setting
    is reported in one go.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.problems: list[str] = []

    def problem(self, name: str, reason: str) -> None:
        self.problems.append(f"{name}: {reason}")

    def raw(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def secret(self, name: str) -> Secret | None:
        value = self.raw(name)
        return None if value is None else Secret(value)

    def vault_keys(self, name: str, *, dev_vault_key: bool) -> Secret:
        value = self.raw(name)
        if value is None:
            if not dev_vault_key:
                self.problem(
                    name,
                    "required: a comma-separated list of keys, newest first "
                    "(make one with `channel-manager keys generate`)",
                )
            return Secret(DEV_VAULT_KEYS)
        try:
            parse_vault_keys(value)
        except InvalidVaultKey as error:
            self.problem(name, str(error))  # vault errors never contain key material
        return Secret(value)

    def database_url(self, name: str, default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+]*://.*", value):
            # Do not echo the value: a mistyped URL may still hold a password.
            self.problem(name, "is not a database URL like sqlite:///./channel-manager.db")
            return default
        return value

    def url(self, name: str, default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            self.problem(name, f"{value!r} is not an http:// or https:// URL")
            return default
        return value.rstrip("/") if parts.path in {"", "/"} else value

    def duration(self, name: str, default: timedelta) -> timedelta:
        milliseconds = self._positive_amount(
            name, _DURATION, _DURATION_UNITS, "is not a duration like 20s, 5m or 1h"
        )
        if milliseconds is None:
            return default
        try:
            return timedelta(milliseconds=milliseconds)
        except OverflowError:
            self.problem(name, "is too long a duration")
            return default

    def byte_size(self, name: str, default: int) -> int:
        size = self._positive_amount(
            name, _SIZE, _SIZE_UNITS, "is not a size like 5MiB, 512KiB or a number of bytes"
        )
        return default if size is None else size

    def positive_int(self, name: str, default: int) -> int:
        number = self._positive_amount(name, _WHOLE_NUMBER, {"": 1}, "is not a whole number")
        return default if number is None else number

    def _positive_amount(
        self, name: str, pattern: re.Pattern[str], units: Mapping[str, int], shape: str
    ) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        match = pattern.fullmatch(value)
        if match is None:
            self.problem(name, f"{value!r} {shape}")
            return None
        amount = int(match["amount"]) * units[(match["unit"] or "").lower()]
        if amount <= 0:
            self.problem(name, f"{value!r} must be greater than zero")
            return None
        return amount

    def offset(self, name: str) -> timedelta:
        """A signed number of seconds (``-3600``, ``+86400.5``); unset is zero."""
        value = self.raw(name)
        if value is None:
            return timedelta(0)
        try:
            seconds = float(value)
            offset = timedelta(seconds=seconds) if math.isfinite(seconds) else None
        except (ValueError, OverflowError):
            offset = None
        if offset is None:
            self.problem(name, f"{value!r} is not a signed number of seconds like -3600 or +86400")
            return timedelta(0)
        return offset

    def networks(self, name: str) -> tuple[IpNetwork, ...]:
        value = self.raw(name)
        if value is None:
            return ()
        networks: list[IpNetwork] = []
        for entry in (item.strip() for item in value.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry))
            except ValueError as error:
                self.problem(name, f"{entry!r} is not an IP address or CIDR network ({error})")
        return tuple(networks)

    def choice(self, name: str, default: EnumT) -> EnumT:
        value = self.raw(name)
        if value is None:
            return default
        choices = type(default)
        try:
            return choices(value.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in choices)
            self.problem(name, f"{value!r} is not one of {allowed}")
            return default

    def log_level(self, name: str, default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if value.upper() not in _LOG_LEVELS:
            self.problem(name, f"{value!r} is not one of {', '.join(_LOG_LEVELS)}")
            return default
        return value.upper()

    def rate_limit(self, name: str, default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        try:
            parse_rate_limit(value)
        except ValueError:
            self.problem(name, f"{value!r} is not a rate like '10 per 15 minutes'")
            return default
        return value

    def strong_password(self, name: str) -> None:
        """At least :data:`MIN_PASSWORD_LENGTH` characters, :data:`MIN_PASSWORD_DISTINCT` of
        them different: the push endpoint faces the internet, guessed one try at a time."""
        value = self.raw(name)
        if value is None:
            return
        if len(value) < MIN_PASSWORD_LENGTH or len(set(value)) < MIN_PASSWORD_DISTINCT:
            self.problem(
                name,
                f"too weak: use at least {MIN_PASSWORD_LENGTH} characters, "
                f"{MIN_PASSWORD_DISTINCT} of them different "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`)",
            )

    def require_together(self, first: str, second: str) -> None:
        """Both settings or neither: one without the other is a half-configured credential."""
        has_first, has_second = self.raw(first) is not None, self.raw(second) is not None
        if has_first and not has_second:
            self.problem(second, f"required when {first} is set")
        elif has_second and not has_first:
            self.problem(first, f"required when {second} is set")
