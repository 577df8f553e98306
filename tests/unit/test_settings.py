"""`Settings.from_env`: defaults, every accepted form, errors that name the setting, and the
README table generated from the same declarations."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest
from attrs import NOTHING

from channel_manager.adapters.vault.aesgcm import AesGcmVault
from channel_manager.adapters.vault.keys import generate_key
from channel_manager.application.webhooks import DEFAULT_LEASE
from channel_manager.domain.connection import AuthMode
from channel_manager.ports.vault import Secret
from channel_manager.settings import (
    DEV_VAULT_KEYS,
    MAX_WEBHOOK_TIMEOUT,
    ClosedToArrivalMode,
    Settings,
    SettingsError,
    declared,
    settings_markdown,
    show_default,
)

README = Path(__file__).resolve().parents[2] / "README.md"

VAULT_KEYS = f"{generate_key('k2')},{generate_key('k1')}"


def _load(**overrides: str) -> Settings:
    return Settings.from_env({"CM_VAULT_KEYS": VAULT_KEYS, **overrides})


def _problems(environ: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    return caught.value.problems


def test_defaults_with_only_vault_keys_set() -> None:
    settings = _load()
    assert settings.vault.keys == Secret(VAULT_KEYS)
    assert settings.database.url == "sqlite:///./channel-manager.db"
    assert settings.booking.base_url == "https://supply-xml.booking.com"
    assert settings.booking.secure_url == "https://secure-supply-xml.booking.com"
    assert settings.booking.token_url == (
        "https://connectivity-authentication.booking.com/token-based-authentication/exchange"
    )
    assert settings.booking.auth_mode is AuthMode.OAUTH2
    assert settings.booking.client_id is None
    assert settings.booking.client_secret is None
    assert settings.push.username is None
    assert settings.push.password is None
    assert settings.push.allowed_ips == ()
    assert settings.http.trusted_proxies == ()
    assert settings.worker.poll_interval == timedelta(seconds=20)
    assert settings.ical.interval == timedelta(minutes=10)
    assert settings.ical.allowed_networks == ()
    assert settings.ical.fetch_timeout == timedelta(seconds=10)
    assert settings.ical.fetch_max_bytes == 5_000_000
    assert settings.booking.ack_pause == timedelta(seconds=5)
    assert settings.worker.sync_interval == timedelta(minutes=30)
    assert settings.booking.http_timeout == timedelta(seconds=30)
    assert settings.http.public_url == "http://127.0.0.1:8000"
    assert settings.http.max_body_bytes == 5 * 1024 * 1024
    assert settings.worker.outbound_max_attempts == 8
    assert settings.booking.closed_to_arrival_mode is ClosedToArrivalMode.RESTRICTION_STATUS
    assert settings.log_level == "INFO"


def test_every_setting_is_read_from_its_variable() -> None:
    settings = _load(
        CM_DATABASE_URL="postgresql+psycopg://cm:pw@db:5432/cm",
        CM_BOOKING_BASE_URL="http://127.0.0.1:9000/",
        CM_BOOKING_SECURE_URL="http://127.0.0.1:9000",
        CM_BOOKING_TOKEN_URL="http://127.0.0.1:9000/token",
        CM_BOOKING_AUTH_URL="http://127.0.0.1:9000/authorize",
        CM_BOOKING_CLIENT_ID="client-1",
        CM_BOOKING_CLIENT_SECRET="client-secret-1",
        CM_BOOKING_AUTH_MODE="Booking-Connectivity",
        CM_BOOKING_PROVIDER_ID="provider-7",
        CM_PUSH_USERNAME="pusher",
        CM_PUSH_PASSWORD="push-pass-phrase",
        CM_PUSH_ALLOWED_IPS="10.0.0.0/8, 192.168.1.7 ,2001:db8::/32",
        CM_TRUSTED_PROXIES="127.0.0.1",
        CM_POLL_INTERVAL="15s",
        CM_ICAL_INTERVAL="5m",
        CM_FETCH_ALLOWED_NETWORKS="127.0.0.0/8, ::1",
        CM_FETCH_TIMEOUT="3s",
        CM_FETCH_MAX_BYTES="1MiB",
        CM_ACK_PAUSE="2",
        CM_BOOKING_QUEUE_LIMIT="50",
        CM_SYNC_INTERVAL="1h",
        CM_PUBLIC_URL="https://cm.example.com/",
        CM_HTTP_TIMEOUT="10s",
        CM_MAX_BODY_BYTES="512KiB",
        CM_AUTH_FAILURE_LIMIT="5 per 10 minutes",
        CM_BOOKING_ARI_BUDGET="5 per second",
        CM_BOOKING_ARI_ACCOUNT_BUDGET="none",
        CM_OUTBOUND_MAX_ATTEMPTS="3",
        CM_CLOSED_TO_ARRIVAL_MODE="disabled",
        CM_LOG_LEVEL="debug",
    )
    assert settings.database.url == "postgresql+psycopg://cm:pw@db:5432/cm"
    assert settings.booking.base_url == "http://127.0.0.1:9000"
    assert settings.booking.secure_url == "http://127.0.0.1:9000"
    assert settings.booking.token_url == "http://127.0.0.1:9000/token"
    assert settings.booking.auth_url == "http://127.0.0.1:9000/authorize"
    assert settings.booking.client_id == "client-1"
    assert settings.booking.client_secret == Secret("client-secret-1")
    assert settings.booking.auth_mode is AuthMode.BOOKING_CONNECTIVITY
    assert settings.booking.provider_id == "provider-7"
    assert settings.push.username == "pusher"
    assert settings.push.password == Secret("push-pass-phrase")
    assert settings.http.auth_failure_limit == "5 per 10 minutes"
    assert settings.booking.ari_budget == "5 per second"
    assert settings.booking.ari_account_budget is None
    assert settings.push.allowed_ips == (
        ip_network("10.0.0.0/8"),
        ip_network("192.168.1.7/32"),
        ip_network("2001:db8::/32"),
    )
    assert settings.http.trusted_proxies == (ip_network("127.0.0.1/32"),)
    assert settings.worker.poll_interval == timedelta(seconds=15)
    assert settings.ical.interval == timedelta(minutes=5)
    assert settings.ical.allowed_networks == (ip_network("127.0.0.0/8"), ip_network("::1/128"))
    assert settings.ical.fetch_timeout == timedelta(seconds=3)
    assert settings.ical.fetch_max_bytes == 1024 * 1024
    assert settings.booking.ack_pause == timedelta(seconds=2)
    assert settings.booking.queue_limit == 50
    assert settings.worker.sync_interval == timedelta(hours=1)
    assert settings.http.public_url == "https://cm.example.com"
    assert settings.booking.http_timeout == timedelta(seconds=10)
    assert settings.http.max_body_bytes == 512 * 1024
    assert settings.worker.outbound_max_attempts == 3
    assert settings.booking.closed_to_arrival_mode is ClosedToArrivalMode.DISABLED
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20s", timedelta(seconds=20)),
        ("20", timedelta(seconds=20)),
        ("5m", timedelta(minutes=5)),
        ("30M", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        (" 45 s ", timedelta(seconds=45)),
    ],
)
def test_durations_accept_units_or_plain_seconds(text: str, expected: timedelta) -> None:
    assert _load(CM_POLL_INTERVAL=text).worker.poll_interval == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1048576", 1024**2), ("5MiB", 5 * 1024**2), ("5m", 5 * 1024**2), ("64k", 64 * 1024)],
)
def test_sizes_accept_binary_units_or_plain_bytes(text: str, expected: int) -> None:
    assert _load(CM_MAX_BODY_BYTES=text).http.max_body_bytes == expected


def test_empty_values_count_as_unset() -> None:
    settings = _load(CM_POLL_INTERVAL="", CM_PUSH_USERNAME="  ", CM_BOOKING_CLIENT_SECRET="")
    assert settings.worker.poll_interval == timedelta(seconds=20)
    assert settings.push.username is None
    assert settings.booking.client_secret is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CM_POLL_INTERVAL", "2x", "CM_POLL_INTERVAL: '2x' is not a duration like 20s, 5m or 1h"),
        ("CM_ACK_PAUSE", "-5s", "CM_ACK_PAUSE: '-5s' is not a duration like 20s, 5m or 1h"),
        ("CM_SYNC_INTERVAL", "0m", "CM_SYNC_INTERVAL: '0m' must be greater than zero"),
        ("CM_HTTP_TIMEOUT", "1.5s", "CM_HTTP_TIMEOUT: '1.5s' is not a duration like 20s"),
        ("CM_HTTP_TIMEOUT", "9" * 30, "CM_HTTP_TIMEOUT: is too long a duration"),
        ("CM_MAX_BODY_BYTES", "5GB", "CM_MAX_BODY_BYTES: '5GB' is not a size like 5MiB"),
        ("CM_OUTBOUND_MAX_ATTEMPTS", "eight", "CM_OUTBOUND_MAX_ATTEMPTS: 'eight' is not a whole"),
        ("CM_OUTBOUND_MAX_ATTEMPTS", "0", "CM_OUTBOUND_MAX_ATTEMPTS: '0' must be greater than"),
        ("CM_BOOKING_QUEUE_LIMIT", "0", "CM_BOOKING_QUEUE_LIMIT: '0' must be greater than"),
        ("CM_BOOKING_AUTH_MODE", "saml", "CM_BOOKING_AUTH_MODE: 'saml' is not one of oauth2, "),
        ("CM_CLOSED_TO_ARRIVAL_MODE", "yes", "CM_CLOSED_TO_ARRIVAL_MODE: 'yes' is not one of"),
        ("CM_LOG_LEVEL", "LOUD", "CM_LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO"),
        ("CM_PUBLIC_URL", "localhost:8000", "CM_PUBLIC_URL: 'localhost:8000' is not an http://"),
        ("CM_BOOKING_BASE_URL", "ftp://x", "CM_BOOKING_BASE_URL: 'ftp://x' is not an http://"),
        ("CM_BOOKING_TOKEN_URL", "https://", "CM_BOOKING_TOKEN_URL: 'https://' is not an http"),
        ("CM_PUSH_ALLOWED_IPS", "10.0.0.0/33", "CM_PUSH_ALLOWED_IPS: '10.0.0.0/33' is not an IP"),
        ("CM_TRUSTED_PROXIES", "10.0.0.1/8", "CM_TRUSTED_PROXIES: '10.0.0.1/8' is not an IP"),
        (
            "CM_FETCH_ALLOWED_NETWORKS",
            "127.0.0.0/8,10.1/16",
            "CM_FETCH_ALLOWED_NETWORKS: '10.1/16' is not an IP address or CIDR network",
        ),
        ("CM_ICAL_INTERVAL", "0s", "CM_ICAL_INTERVAL: '0s' must be greater than zero"),
        ("CM_FETCH_MAX_BYTES", "lots", "CM_FETCH_MAX_BYTES: 'lots' is not a size like 5MiB"),
        ("CM_DATABASE_URL", "channel.db", "CM_DATABASE_URL: is not a database URL"),
        ("CM_PUSH_USERNAME", "pusher", "CM_PUSH_PASSWORD: required when CM_PUSH_USERNAME is set"),
        (
            "CM_PUSH_PASSWORD",
            "pw-only-but-long",
            "CM_PUSH_USERNAME: required when CM_PUSH_PASSWORD is set",
        ),
        ("CM_AUTH_FAILURE_LIMIT", "often", "CM_AUTH_FAILURE_LIMIT: 'often' is not a rate"),
        ("CM_BOOKING_ARI_BUDGET", "fast", "CM_BOOKING_ARI_BUDGET: 'fast' is not a rate"),
        (
            "CM_BOOKING_ARI_ACCOUNT_BUDGET",
            "lots",
            "CM_BOOKING_ARI_ACCOUNT_BUDGET: 'lots' is not a rate",
        ),
        ("CM_VAULT_KEYS", "k:dG9vIHNob3J0", "CM_VAULT_KEYS: entry 1: vault key 'k' must be 32"),
    ],
)
def test_each_bad_setting_is_named_with_its_reason(name: str, value: str, expected: str) -> None:
    (problem,) = _problems({"CM_VAULT_KEYS": VAULT_KEYS, name: value})
    assert problem.startswith(expected)


def test_missing_vault_keys_is_reported_with_how_to_make_one() -> None:
    (problem,) = _problems({})
    assert problem.startswith("CM_VAULT_KEYS: required")
    assert "keys generate" in problem


def test_all_problems_are_reported_at_once_in_one_message() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CM_POLL_INTERVAL": "2x", "CM_LOG_LEVEL": "LOUD", "CM_ACK_PAUSE": "?"})
    named = [problem.split(":", 1)[0] for problem in caught.value.problems]
    assert sorted(named) == ["CM_ACK_PAUSE", "CM_LOG_LEVEL", "CM_POLL_INTERVAL", "CM_VAULT_KEYS"]
    message = str(caught.value)
    assert message.startswith("invalid configuration: ")
    assert all(problem in message for problem in caught.value.problems)
    assert "\n" not in message


def test_bad_values_of_secret_settings_are_never_echoed() -> None:
    bad_key = "k:c2VjcmV0LWtleS1tYXRlcmlhbA"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(
            {"CM_VAULT_KEYS": bad_key, "CM_DATABASE_URL": "postgres:host:5432 password=hunter22"}
        )
    assert "c2VjcmV0LWtleS1tYXRlcmlhbA" not in str(caught.value)
    assert "hunter22" not in str(caught.value)


def test_dev_vault_key_is_used_only_when_explicitly_requested() -> None:
    settings = Settings.from_env({}, dev_vault_key=True)
    assert settings.vault.keys == Secret(DEV_VAULT_KEYS)
    vault = AesGcmVault.from_config(settings.vault.keys.reveal_text())
    assert vault.newest_key_id == "insecure-dev"
    assert Settings.from_env(
        {"CM_VAULT_KEYS": VAULT_KEYS}, dev_vault_key=True
    ).vault.keys == Secret(VAULT_KEYS)


def test_repr_never_shows_secrets() -> None:
    settings = _load(
        CM_DATABASE_URL="postgresql+psycopg://cm:db-pass-1@db/cm",
        CM_BOOKING_CLIENT_SECRET="client-secret-1",
        CM_PUSH_USERNAME="pusher",
        CM_PUSH_PASSWORD="push-pass-phrase-1",
    )
    shown = repr(settings) + str(settings)
    newest_key_material = VAULT_KEYS.partition(",")[0].partition(":")[2]
    for hidden in ("db-pass-1", "client-secret-1", "push-pass-phrase-1", newest_key_material):
        assert hidden not in shown
    assert "postgresql+psycopg://cm:***@db/cm" in shown
    assert "pusher" in shown


def test_known_secrets_lists_every_configured_credential() -> None:
    newest, oldest = (entry.partition(":")[2] for entry in VAULT_KEYS.split(","))
    assert _load().known_secrets() == (Secret(newest), Secret(oldest))
    settings = _load(
        CM_BOOKING_CLIENT_SECRET="client-secret-1",
        CM_PUSH_USERNAME="u",
        CM_PUSH_PASSWORD="pw-1-long-enough",
    )
    assert set(settings.known_secrets()) == {
        Secret(newest),
        Secret(oldest),
        Secret("client-secret-1"),
        Secret("pw-1-long-enough"),
    }


def test_from_env_reads_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CM_VAULT_KEYS", VAULT_KEYS)
    monkeypatch.setenv("CM_SYNC_INTERVAL", "45m")
    assert Settings.from_env().worker.sync_interval == timedelta(minutes=45)


@pytest.mark.parametrize("password", ["short-pw-1", "aaaaaaaaaaaaaa12", "passwordpassword"])
def test_a_weak_push_password_is_refused_without_being_shown(password: str) -> None:
    """The push endpoint faces the internet: a guessable password is a configuration error."""
    (problem,) = _problems(
        {"CM_VAULT_KEYS": VAULT_KEYS, "CM_PUSH_USERNAME": "pusher", "CM_PUSH_PASSWORD": password}
    )
    assert problem.startswith("CM_PUSH_PASSWORD: too weak: use at least 12 characters")
    assert password not in problem


def test_the_readme_table_is_the_one_the_declarations_print() -> None:
    """Regenerate it with `channel-manager settings --markdown` when a setting changes."""
    text = README.read_text(encoding="utf-8")
    start = text.index("| setting | default | meaning |")
    end = text.index("<!-- end of the settings table -->", start)
    assert text[start:end] == settings_markdown(), (
        "README.md's settings table differs from the declarations in settings.py: paste the"
        " output of `channel-manager settings --markdown` between its markers"
    )


def test_every_variable_is_declared_once_with_a_cm_name_and_help() -> None:
    names = [variable.name for variable, _ in declared()]
    assert len(names) == len(set(names))
    assert all(name.startswith("CM_") for name in names)
    assert all(variable.help for variable, _ in declared())
    assert "CM_VAULT_KEYS" in names
    assert "CM_CLOCK_OFFSET" in names


def test_each_default_in_the_table_reads_back_as_the_declared_default() -> None:
    """The table shows the real defaults: each one in backticks parses to the field's default."""
    checked = 0
    for variable, attribute in declared():
        shown = show_default(variable, attribute.default)
        if attribute.default is NOTHING or not shown.startswith("`") or variable.shown:
            continue
        assert variable.parse(shown.strip("`")) == attribute.default, variable.name
        checked += 1
    assert checked >= 20


def test_settings_are_nested_per_concern() -> None:
    settings = _load(CM_BOOKING_CLIENT_ID="client-1", CM_ICAL_INTERVAL="5m", CM_LOG_LEVEL="warning")
    assert settings.booking.client_id == "client-1"
    assert settings.ical.interval == timedelta(minutes=5)
    assert settings.log_level == "WARNING"
    assert settings.database.url == "sqlite:///./channel-manager.db"


def test_sub_second_durations_are_accepted_for_tests() -> None:
    assert _load(CM_ACK_PAUSE="10ms").booking.ack_pause == timedelta(milliseconds=10)


def test_every_bad_entry_of_a_network_list_is_named() -> None:
    problems = _problems({"CM_VAULT_KEYS": VAULT_KEYS, "CM_TRUSTED_PROXIES": "x, 10.0.0.1, y"})
    assert [problem.split(": ", 1)[1][:3] for problem in problems] == ["'x'", "'y'"]


def test_a_secret_setting_is_never_echoed_even_by_its_parser() -> None:
    """`secret=True` masks the value in any reason a parser gives (the guard under the rule)."""
    weak = "passwordpassword"
    problems = _problems(
        {"CM_VAULT_KEYS": VAULT_KEYS, "CM_PUSH_USERNAME": "pusher", "CM_PUSH_PASSWORD": weak}
    )
    assert all(weak not in problem for problem in problems)
    secret_names = {variable.name for variable, _ in declared() if variable.secret}
    assert {"CM_VAULT_KEYS", "CM_BOOKING_CLIENT_SECRET", "CM_PUSH_PASSWORD"} <= secret_names


def test_a_webhook_timeout_longer_than_the_claim_allows_is_refused() -> None:
    assert _load(CM_WEBHOOK_TIMEOUT="25s").webhooks.timeout == timedelta(seconds=25)
    (problem,) = _problems({"CM_VAULT_KEYS": VAULT_KEYS, "CM_WEBHOOK_TIMEOUT": "26s"})
    assert problem.startswith("CM_WEBHOOK_TIMEOUT: '26s' is longer than 25s")
    # An attempt (two timeouts at most) ends inside its claim's lease.
    assert 2 * MAX_WEBHOOK_TIMEOUT < DEFAULT_LEASE
