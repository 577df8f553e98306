"""Configuration from environment variables (prefix ``CM_``), validated once at start-up.

Each setting is declared once, as a field of the group it belongs to (``settings.booking``,
``settings.ical``, ...) made with `setting`: its variable, parser, default, help text and
whether it is a secret. `Settings.from_env` reads every declared variable in one loop, collects
every problem and raises one `SettingsError` whose message names each bad variable and what is
wrong with it. The README's table is printed from the same declarations (`settings_markdown`,
``channel-manager settings --markdown``) and a test fails when the two disagree.

Durations accept ``20s``, ``5m``, ``1h``, ``10ms`` or plain seconds; sizes accept ``5MiB``,
``512KiB`` or plain bytes; lists are comma-separated. Empty values count as unset. Credentials
are held as `Secret` and the database URL's password is masked, so ``repr(settings)`` is safe
to log; a secret's value is never echoed in a problem.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import ipaddress
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from attrs import NOTHING, Attribute, AttrsInstance, field, fields, frozen
from limits import parse as parse_rate_limit

from channel_manager.adapters.vault.keys import parse_vault_keys
from channel_manager.domain.connection import AuthMode
from channel_manager.ports.vault import InvalidVaultKey, Secret

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: The push password's minimum strength (never printed back in the problem).
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_DISTINCT = 8

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
GroupT = TypeVar("GroupT", bound=AttrsInstance)


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


class InvalidValueError(ValueError):
    """A parser's refusal of a value; each argument is one reason, shown after ``NAME: ``."""


# --- parsers: a variable's stripped, non-empty text -> its value, or InvalidValueError ---------


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidValueError(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/") if parts.path in {"", "/"} else value


def _database_url(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+]*://.*", value):
        # Do not echo the value: a mistyped URL may still hold a password.
        raise InvalidValueError("is not a database URL like sqlite:///./channel-manager.db")
    return value


def _vault_keys(value: str) -> Secret:
    try:
        parse_vault_keys(value)
    except InvalidVaultKey as error:
        raise InvalidValueError(str(error)) from None  # vault errors never contain key material
    return Secret(value)


def _positive_amount(
    value: str, pattern: re.Pattern[str], units: Mapping[str, int], shape: str
) -> int:
    match = pattern.fullmatch(value)
    if match is None:
        raise InvalidValueError(f"{value!r} {shape}")
    amount = int(match["amount"]) * units[(match["unit"] or "").lower()]
    if amount <= 0:
        raise InvalidValueError(f"{value!r} must be greater than zero")
    return amount


def _duration(value: str) -> timedelta:
    milliseconds = _positive_amount(
        value, _DURATION, _DURATION_UNITS, "is not a duration like 20s, 5m or 1h"
    )
    try:
        return timedelta(milliseconds=milliseconds)
    except OverflowError:
        raise InvalidValueError("is too long a duration") from None


#: The longest ``CM_WEBHOOK_TIMEOUT``: an attempt may take two timeouts (connect, then a
#: trickled answer), and a claimed delivery is leased for 60 s (application/webhooks.py
#: ``DEFAULT_LEASE``); two of these leave the attempt 10 s inside its lease.
MAX_WEBHOOK_TIMEOUT = timedelta(seconds=25)


def _webhook_timeout(value: str) -> timedelta:
    timeout = _duration(value)
    if timeout > MAX_WEBHOOK_TIMEOUT:
        raise InvalidValueError(
            f"{value!r} is longer than {int(MAX_WEBHOOK_TIMEOUT.total_seconds())}s, the most"
            " allowed (an attempt must end inside its 60 s claim)"
        )
    return timeout


def _byte_size(value: str) -> int:
    return _positive_amount(
        value, _SIZE, _SIZE_UNITS, "is not a size like 5MiB, 512KiB or a number of bytes"
    )


def _positive_int(value: str) -> int:
    return _positive_amount(value, _WHOLE_NUMBER, {"": 1}, "is not a whole number")


def _offset(value: str) -> timedelta:
    """A signed number of seconds (``-3600``, ``+86400.5``)."""
    try:
        seconds = float(value)
        if math.isfinite(seconds):
            return timedelta(seconds=seconds)
    except (ValueError, OverflowError):
        pass
    raise InvalidValueError(f"{value!r} is not a signed number of seconds like -3600 or +86400")


def _networks(value: str) -> tuple[IpNetwork, ...]:
    networks: list[IpNetwork] = []
    reasons: list[str] = []
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as error:
            reasons.append(f"{entry!r} is not an IP address or CIDR network ({error})")
    if reasons:
        raise InvalidValueError(*reasons)
    return tuple(networks)


def _choice(choices: type[enum.StrEnum]) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            return choices(value.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in choices)
            raise InvalidValueError(f"{value!r} is not one of {allowed}") from None

    return parse


def _log_level(value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise InvalidValueError(f"{value!r} is not one of {', '.join(_LOG_LEVELS)}")
    return value.upper()


def _rate_limit(value: str) -> str:
    try:
        parse_rate_limit(value)
    except ValueError:
        raise InvalidValueError(f"{value!r} is not a rate like '10 per 15 minutes'") from None
    return value


def _optional_rate_limit(value: str) -> str | None:
    """A rate like ``_rate_limit``, or ``none`` (or empty): no limit."""
    if value.strip().lower() in {"", "none"}:
        return None
    return _rate_limit(value)


def _strong_password(value: str) -> Secret:
    """At least :data:`MIN_PASSWORD_LENGTH` characters, :data:`MIN_PASSWORD_DISTINCT` of them
    different: the push endpoint faces the internet, guessed one try at a time."""
    if len(value) < MIN_PASSWORD_LENGTH or len(set(value)) < MIN_PASSWORD_DISTINCT:
        raise InvalidValueError(
            f"too weak: use at least {MIN_PASSWORD_LENGTH} characters, "
            f"{MIN_PASSWORD_DISTINCT} of them different "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`)"
        )
    return Secret(value)


# --- declarations --------------------------------------------------------------------------


@frozen
class Variable:
    """What `setting` records about one field: everything but its default."""

    name: str
    parse: Callable[[str], Any]
    help: str
    secret: bool = False
    #: The table's default cell when the default's own text would not say it (``(required)``).
    shown: str | None = None
    #: Why a required variable is needed and how to make one (set only on required ones).
    required: str | None = None


_VARIABLE = "channel_manager.settings.variable"
_GROUP = "channel_manager.settings.group"


def setting(
    name: str,
    parse: Callable[[str], Any],
    default: Any,
    help: str,
    *,
    secret: bool = False,
    shown: str | None = None,
    required: str | None = None,
    repr: Callable[[Any], str] | bool = True,
) -> Any:
    """One setting: an attrs field read from ``name`` by ``parse`` (``required`` instead of a
    default makes it mandatory). ``secret`` settings are never echoed in a problem, are listed
    by `Settings.known_secrets` (when a `Secret`) and are marked in the table."""
    variable = Variable(name, parse, help, secret=secret, shown=shown, required=required)
    if required is not None:
        return field(metadata={_VARIABLE: variable}, repr=repr)
    return field(default=default, metadata={_VARIABLE: variable}, repr=repr)


def group(cls: type[Any]) -> Any:
    """A nested group of settings (its fields are read in the same loop)."""
    return field(metadata={_GROUP: cls})


def _mask_url_password(url: str) -> str:
    return repr(_URL_PASSWORD.sub(r"\g<user>***@", url))


@frozen(kw_only=True)
class DatabaseSettings:
    """The database (``settings.database``)."""

    url: str = setting(
        "CM_DATABASE_URL",
        _database_url,
        "sqlite:///./channel-manager.db",
        "SQLAlchemy URL; PostgreSQL via `postgresql+psycopg://`",
        secret=True,
        repr=_mask_url_password,
    )


@frozen(kw_only=True)
class VaultSettings:
    """The keys that seal stored credentials (``settings.vault``)."""

    keys: Secret = setting(
        "CM_VAULT_KEYS",
        _vault_keys,
        NOTHING,
        "comma list of `key_id:base64key`, newest first; `channel-manager keys rotate`"
        " re-seals under the newest",
        secret=True,
        shown="(required)",
        required="a comma-separated list of keys, newest first"
        " (make one with `channel-manager keys generate`)",
    )

    def key_materials(self) -> list[Secret]:
        """Each key's encoded material on its own (what a leaked key looks like in a log)."""
        return [
            Secret(entry.rpartition(":")[2].strip())
            for entry in self.keys.reveal_text().split(",")
            if entry.strip()
        ]


@frozen(kw_only=True)
class BookingSettings:
    """Booking.com: its hosts, our machine account and how we talk to it (``settings.booking``)."""

    base_url: str = setting(
        "CM_BOOKING_BASE_URL",
        _url,
        "https://supply-xml.booking.com",
        "supply host: ARI and content",
    )
    secure_url: str = setting(
        "CM_BOOKING_SECURE_URL",
        _url,
        "https://secure-supply-xml.booking.com",
        "secure host: reservations",
    )
    token_url: str = setting(
        "CM_BOOKING_TOKEN_URL",
        _url,
        "https://connectivity-authentication.booking.com/token-based-authentication/exchange",
        "machine-account token exchange",
    )
    # The Extranet, where a property requests a connection; the exact page is unconfirmed.
    auth_url: str = setting(
        "CM_BOOKING_AUTH_URL", _url, "https://admin.booking.com", "OAuth and Extranet pages"
    )
    client_id: str | None = setting(
        "CM_BOOKING_CLIENT_ID", str, None, "machine account (and OAuth client) id"
    )
    client_secret: Secret | None = setting(
        "CM_BOOKING_CLIENT_SECRET",
        Secret,
        None,
        "machine account (and OAuth client) secret",
        secret=True,
    )
    auth_mode: AuthMode = setting(
        "CM_BOOKING_AUTH_MODE",
        _choice(AuthMode),
        AuthMode.OAUTH2,
        "or `booking-connectivity` (Extranet request accepted via the Connections API)",
    )
    provider_id: str | None = setting(
        "CM_BOOKING_PROVIDER_ID",
        str,
        None,
        "our provider id in the Connections API",
        shown="`channel-manager`",
    )
    queue_limit: int = setting(
        "CM_BOOKING_QUEUE_LIMIT",
        _positive_int,
        200,
        "reservations asked for per queue GET (Booking.com's `limit`; its bound is unconfirmed)",
    )
    ack_pause: timedelta = setting(
        "CM_ACK_PAUSE",
        _duration,
        timedelta(seconds=5),
        "pause after a reservation acknowledgement before the next queue GET",
    )
    http_timeout: timedelta = setting(
        "CM_HTTP_TIMEOUT", _duration, timedelta(seconds=30), "timeout of a request to Booking.com"
    )
    ari_budget: str = setting(
        "CM_BOOKING_ARI_BUDGET",
        _rate_limit,
        "20 per second",
        "ARI requests sent per connection (Booking.com publishes no ARI limit; over budget,"
        " a connection's pushes wait and other connections are served; per worker process)",
    )
    ari_account_budget: str | None = setting(
        "CM_BOOKING_ARI_ACCOUNT_BUDGET",
        _optional_rate_limit,
        None,
        "ARI requests sent for all connections together (our machine account), or `none`"
        " (per worker process)",
        shown="none",
    )
    closed_to_arrival_mode: ClosedToArrivalMode = setting(
        "CM_CLOSED_TO_ARRIVAL_MODE",
        _choice(ClosedToArrivalMode),
        ClosedToArrivalMode.RESTRICTION_STATUS,
        "`disabled` never sends closed-to-arrival/departure (unconfirmed for Booking.com)",
    )


@frozen(kw_only=True)
class PushSettings:
    """The OTA push endpoint ``POST /ota/booking/reservations`` (``settings.push``)."""

    username: str | None = setting(
        "CM_PUSH_USERNAME",
        str,
        None,
        "HTTP Basic user of the push endpoint; with the password, or neither",
        shown="(push disabled)",
    )
    password: Secret | None = setting(
        "CM_PUSH_PASSWORD",
        _strong_password,
        None,
        "its password: 12+ characters, 8+ of them different",
        secret=True,
        shown="(push disabled)",
    )
    allowed_ips: tuple[IpNetwork, ...] = setting(
        "CM_PUSH_ALLOWED_IPS",
        _networks,
        (),
        "CIDR list of the addresses that may push (`serve` warns when any address may)",
        shown="any",
    )


@frozen(kw_only=True)
class HttpSettings:
    """What `serve` answers with and whom it believes (``settings.http``)."""

    public_url: str = setting(
        "CM_PUBLIC_URL",
        _url,
        "http://127.0.0.1:8000",
        "where users and channels reach us (links, OAuth redirects, secure cookies on https)",
    )
    trusted_proxies: tuple[IpNetwork, ...] = setting(
        "CM_TRUSTED_PROXIES",
        _networks,
        (),
        "CIDR list of proxies whose `X-Forwarded-For` is believed",
        shown="none",
    )
    max_body_bytes: int = setting(
        "CM_MAX_BODY_BYTES", _byte_size, 5 * 1024**2, "largest request body accepted"
    )
    auth_failure_limit: str = setting(
        "CM_AUTH_FAILURE_LIMIT",
        _rate_limit,
        "10 per 15 minutes",
        "failed sign-ins, API keys or push passwords per client address and per credential"
        " before 429 (per process)",
    )


@frozen(kw_only=True)
class IcalSettings:
    """iCal calendar feeds (Airbnb, Vrbo) and how they are fetched (``settings.ical``)."""

    interval: timedelta = setting(
        "CM_ICAL_INTERVAL",
        _duration,
        timedelta(minutes=10),
        "how often each calendar feed is fetched, spread by up to 10%",
    )
    allowed_networks: tuple[IpNetwork, ...] = setting(
        "CM_FETCH_ALLOWED_NETWORKS",
        _networks,
        (),
        "CIDR list of non-public networks a feed URL may reach (loopback, private and link-local"
        " addresses are refused otherwise; the sandbox and tests set it)",
        shown="none",
    )
    fetch_timeout: timedelta = setting(
        "CM_FETCH_TIMEOUT",
        _duration,
        timedelta(seconds=10),
        "connect timeout and longest wait between two reads of a feed",
    )
    fetch_max_bytes: int = setting(
        "CM_FETCH_MAX_BYTES", _byte_size, 5_000_000, "largest feed body read"
    )


@frozen(kw_only=True)
class WorkerSettings:
    """The worker's cadences and the outbound queue's patience (``settings.worker``)."""

    poll_interval: timedelta = setting(
        "CM_POLL_INTERVAL", _duration, timedelta(seconds=20), "reservation queue poll cadence"
    )
    sync_interval: timedelta = setting(
        "CM_SYNC_INTERVAL", _duration, timedelta(minutes=30), "full sweep interval"
    )
    outbound_max_attempts: int = setting(
        "CM_OUTBOUND_MAX_ATTEMPTS",
        _positive_int,
        8,
        "attempts of an outbound message before it is given up (and shown)",
    )


@frozen(kw_only=True)
class WebhookSettings:
    """Webhook deliveries (issue 18, ``settings.webhooks``)."""

    allowed_networks: tuple[IpNetwork, ...] = setting(
        "CM_WEBHOOK_ALLOWED_NETWORKS",
        _networks,
        (),
        "CIDR list of non-public networks a webhook URL may reach (refused otherwise, as for"
        " feeds); plain http is taken only for addresses in these networks, https elsewhere",
        shown="none",
    )
    timeout: timedelta = setting(
        "CM_WEBHOOK_TIMEOUT",
        _webhook_timeout,
        timedelta(seconds=5),
        "connect and read timeout of one webhook delivery attempt (at most 25s: an attempt"
        " takes up to two, inside its 60 s claim)",
    )
    max_attempts: int = setting(
        "CM_WEBHOOK_MAX_ATTEMPTS",
        _positive_int,
        60,
        "attempts of a webhook delivery before it is failed (and shown); with the backoff"
        " (2 s doubling to CM_WEBHOOK_MAX_BACKOFF, full jitter) 60 retry for about a day",
    )
    max_backoff: timedelta = setting(
        "CM_WEBHOOK_MAX_BACKOFF",
        _duration,
        timedelta(hours=1),
        "longest wait before retrying a webhook delivery (the backoff's cap)",
    )
    retention: timedelta = setting(
        "CM_WEBHOOK_RETENTION",
        _duration,
        timedelta(days=30),
        "delivered and failed webhook deliveries (and events none waits for) older than this"
        " are deleted by the worker",
    )
    max_subscriptions: int = setting(
        "CM_WEBHOOK_MAX_SUBSCRIPTIONS",
        _positive_int,
        20,
        "webhook subscriptions one organisation may hold (one more is refused with 422)",
    )


@frozen(kw_only=True)
class HealthSettings:
    """Channel health (issue 18): when a connection turns amber or red, and how often the
    worker checks it (``settings.health``)."""

    check_interval: timedelta = setting(
        "CM_HEALTH_CHECK_INTERVAL",
        _duration,
        timedelta(seconds=60),
        "how often the worker evaluates connections' health (and sends its webhooks)",
    )
    poll_red_after: timedelta = setting(
        "CM_HEALTH_POLL_RED_AFTER",
        _duration,
        timedelta(minutes=5),
        "polls failing this long turn a connection red (amber before)",
    )
    unacknowledged_after: timedelta = setting(
        "CM_HEALTH_UNACKNOWLEDGED_AFTER",
        _duration,
        timedelta(minutes=30),
        "a reservation unacknowledged this long turns the connection red and is notified",
    )
    queue_amber_after: timedelta = setting(
        "CM_HEALTH_QUEUE_AMBER_AFTER",
        _duration,
        timedelta(minutes=5),
        "the oldest queued change this old turns a connection amber",
    )
    queue_red_after: timedelta = setting(
        "CM_HEALTH_QUEUE_RED_AFTER",
        _duration,
        timedelta(minutes=30),
        "the oldest queued change this old turns a connection red",
    )
    error_rate_amber: int = setting(
        "CM_HEALTH_ERROR_RATE_AMBER",
        _positive_int,
        10,
        "percent of failed polls and pushes over the last hour that turns a connection amber",
    )
    error_rate_red: int = setting(
        "CM_HEALTH_ERROR_RATE_RED",
        _positive_int,
        50,
        "percent of failed polls and pushes over the last hour that turns a connection red",
    )
    min_attempts: int = setting(
        "CM_HEALTH_MIN_ATTEMPTS",
        _positive_int,
        5,
        "attempts in the hour before an error rate counts",
    )


@frozen(kw_only=True)
class Settings:
    """Every setting the service reads, typed and validated. Build it with `from_env`."""

    database: DatabaseSettings = group(DatabaseSettings)
    vault: VaultSettings = group(VaultSettings)
    booking: BookingSettings = group(BookingSettings)
    push: PushSettings = group(PushSettings)
    http: HttpSettings = group(HttpSettings)
    ical: IcalSettings = group(IcalSettings)
    worker: WorkerSettings = group(WorkerSettings)
    webhooks: WebhookSettings = group(WebhookSettings)
    health: HealthSettings = group(HealthSettings)
    log_level: str = setting("CM_LOG_LEVEL", _log_level, "INFO", "DEBUG, INFO, WARNING or ERROR")
    clock_offset: timedelta = setting(
        "CM_CLOCK_OFFSET",
        _offset,
        timedelta(0),
        "signed seconds added to the clock (tests and demos only: run the service on another"
        " day; a warning is logged)",
    )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dev_vault_key: bool = False
    ) -> Settings:
        """Read settings from `environ` (default: the process environment).

        `CM_VAULT_KEYS` is required unless `dev_vault_key` is true, in which case a missing
        value falls back to the publicly known `DEV_VAULT_KEYS` (never for real credentials).
        Raises `SettingsError` listing every problem found.
        """
        env = dict(os.environ if environ is None else environ)
        if dev_vault_key and not env.get("CM_VAULT_KEYS", "").strip():
            env["CM_VAULT_KEYS"] = DEV_VAULT_KEYS
        problems: list[str] = []
        settings = _read(cls, env, problems)
        problems.extend(_both_or_neither(env, "CM_PUSH_USERNAME", "CM_PUSH_PASSWORD"))
        if problems or settings is None:
            raise SettingsError(problems)
        return settings

    def known_secrets(self) -> tuple[Secret, ...]:
        """Every configured credential, for `SecretRedactingFilter(known_secrets=...)`: the
        value of each setting declared secret. Each vault key's encoded material is listed on its
        own, so a single key that reaches a log line is masked even though the whole
        `CM_VAULT_KEYS` text never appears there."""
        found: list[Secret] = []
        for variable, value in _declared_values(self):
            if value is self.vault.keys:
                found.extend(self.vault.key_materials())
            elif isinstance(value, Secret) and variable.secret:
                found.append(value)
        return tuple(found)


# --- the one reader loop ---------------------------------------------------------------------


def _read(cls: type[GroupT], env: Mapping[str, str], problems: list[str]) -> GroupT | None:
    """``cls`` from ``env``, appending ``NAME: reason`` to ``problems`` for each bad or missing
    variable (the default is kept, so every problem is found in one pass); None when a required
    one is missing or bad."""
    values: dict[str, Any] = {}
    complete = True
    for attribute in fields(cls):
        nested = attribute.metadata.get(_GROUP)
        if nested is not None:
            value = _read(nested, env, problems)
            complete = complete and value is not None
            values[attribute.name] = value
            continue
        variable: Variable = attribute.metadata[_VARIABLE]
        raw = env.get(variable.name, "").strip()
        if not raw:
            if variable.required is not None:
                problems.append(f"{variable.name}: required: {variable.required}")
                complete = False
            continue
        try:
            values[attribute.name] = variable.parse(raw)
        except InvalidValueError as invalid:
            complete = complete and variable.required is None  # no default to fall back on
            for reason in invalid.args:
                shown = str(reason).replace(raw, "***") if variable.secret else reason
                problems.append(f"{variable.name}: {shown}")
    return cls(**values) if complete else None


def _both_or_neither(env: Mapping[str, str], first: str, second: str) -> list[str]:
    """One without the other is a half-configured credential."""
    has_first, has_second = bool(env.get(first, "").strip()), bool(env.get(second, "").strip())
    if has_first and not has_second:
        return [f"{second}: required when {first} is set"]
    if has_second and not has_first:
        return [f"{first}: required when {second} is set"]
    return []


def declared(cls: type[Any] = Settings) -> Iterator[tuple[Variable, Attribute[Any]]]:
    """Every setting declared under ``cls``, groups in order, with its attrs field."""
    for attribute in fields(cls):
        nested = attribute.metadata.get(_GROUP)
        if nested is not None:
            yield from declared(nested)
        else:
            yield attribute.metadata[_VARIABLE], attribute


def _declared_values(settings: Any) -> Iterator[tuple[Variable, Any]]:
    for attribute in fields(type(settings)):
        value = getattr(settings, attribute.name)
        if attribute.metadata.get(_GROUP) is not None:
            yield from _declared_values(value)
        else:
            yield attribute.metadata[_VARIABLE], value


# --- the README's table ----------------------------------------------------------------------


def show_default(variable: Variable, default: Any) -> str:
    """The default as the table shows it; a value shown in backticks parses back to it."""
    if variable.shown is not None:
        return variable.shown
    if default is None:
        return ""
    if isinstance(default, timedelta):
        return f"`{_show_duration(default)}`"
    if isinstance(default, int) and default >= 1024**2 and default % 1024**2 == 0:
        return f"`{default // 1024**2}MiB`"
    return f"`{default}`"


def _show_duration(value: timedelta) -> str:
    milliseconds = value // timedelta(milliseconds=1)
    if milliseconds == 0:
        return "0"
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if milliseconds % size == 0:
            return f"{milliseconds // size}{unit}"
    return f"{milliseconds}ms"


def settings_markdown() -> str:
    """The README's settings table, one row per variable in declaration order."""
    rows = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for variable, attribute in declared():
        meaning = variable.help + (" (secret: never logged)" if variable.secret else "")
        rows.append(
            f"| `{variable.name}` | {show_default(variable, attribute.default)} | {meaning} |"
        )
    return "\n".join(rows) + "\n"
