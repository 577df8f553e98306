"""Logged credentials and card numbers never reach log output once redaction is installed."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.adapters.vault.log_redaction import (
    SecretRedactingFilter,
    install_log_redaction,
    redact,
)
from channel_manager.ports.vault import Secret

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWNoaW5lIn0.c2lnbmF0dXJlLXZhbHVl"
PAN = "4111111111111111"
CLIENT_SECRET = "s3cr3t-Client-Value"
PUSH_PASSWORD = "pushPa55word!"

logger = logging.getLogger("channel_manager.tests.redaction")


@pytest.fixture
def redacted_caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog with the redacting filter on its handler, as production installs it on handlers."""
    redacting_filter = SecretRedactingFilter(
        known_secrets=[Secret(CLIENT_SECRET), Secret(PUSH_PASSWORD), Secret(b"\xff\xfe")]
    )
    caplog.handler.addFilter(redacting_filter)
    caplog.set_level(logging.DEBUG, logger=logger.name)
    yield caplog
    caplog.handler.removeFilter(redacting_filter)


def test_a_logged_secret_object_never_shows_its_value(
    redacted_caplog: pytest.LogCaptureFixture,
) -> None:
    secret = Secret("plain-value-123")
    logger.info("sealed %s", secret)
    logger.info("repr %r", secret)
    logger.info(f"fstring {secret}")  # f-strings format before logging sees them
    logger.info("in a dict %s", {"token": secret})
    assert "plain-value-123" not in redacted_caplog.text
    assert redacted_caplog.text.count("Secret('***')") == 4


@pytest.mark.parametrize(
    "line",
    [
        f"Authorization: Bearer {JWT}",
        f"headers={{'authorization': 'Bearer {JWT}'}}",
        f'token exchange returned {{"jwt": "{JWT}", "ruid": "abc"}}',
        f"access_token={JWT}&expires_in=3600",
    ],
)
def test_bearer_tokens_and_jwts_are_redacted(
    redacted_caplog: pytest.LogCaptureFixture, line: str
) -> None:
    logger.warning("request %s", line)
    assert JWT not in redacted_caplog.text
    assert "***" in redacted_caplog.text


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        ("POST /token client_id=abc&client_secret=hunter22&grant_type=x", "hunter22"),
        ('{"client_id": "abc", "client_secret": "hunter22"}', "hunter22"),
        ("login password=hunter22 user=bob", "hunter22"),
        ("CM_PUSH_PASSWORD='hunter22'", "hunter22"),
        ("Authorization: Basic Ym9iOmh1bnRlcjIy", "Ym9iOmh1bnRlcjIy"),
        ('<PaymentCard SeriesCode="737" CardCode="VI"/>', '"737"'),
    ],
)
def test_credential_pairs_are_redacted(
    redacted_caplog: pytest.LogCaptureFixture, line: str, hidden: str
) -> None:
    logger.info(line)
    assert hidden not in redacted_caplog.text
    assert "***" in redacted_caplog.text


@pytest.mark.parametrize(
    "card",
    [PAN, "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "3782 822463 10005"],
)
def test_card_numbers_are_masked_to_the_last_four_digits(
    redacted_caplog: pytest.LogCaptureFixture, card: str
) -> None:
    logger.info('<PaymentCard CardNumber="%s" ExpireDate="1227"/>', card)
    logger.info("guest remark: please charge %s, thanks", card)
    assert card not in redacted_caplog.text
    # A field named as a card number is blanked; a card in free text keeps its last four.
    assert 'CardNumber="***" ExpireDate="1227"' in redacted_caplog.text
    assert f"please charge ***{card[-4:]}, thanks" in redacted_caplog.text


def test_known_secrets_are_redacted_wherever_they_appear(
    redacted_caplog: pytest.LogCaptureFixture,
) -> None:
    logger.error("refresh failed for %s-%s", CLIENT_SECRET, PUSH_PASSWORD)
    assert CLIENT_SECRET not in redacted_caplog.text
    assert PUSH_PASSWORD not in redacted_caplog.text


def test_exception_text_is_redacted(redacted_caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise RuntimeError(f"401 for Bearer {JWT} card {PAN}")
    except RuntimeError:
        logger.exception("call failed")
    assert "RuntimeError" in redacted_caplog.text
    assert JWT not in redacted_caplog.text
    assert PAN not in redacted_caplog.text


def test_unformattable_arguments_do_not_raise_into_the_caller(
    redacted_caplog: pytest.LogCaptureFixture,
) -> None:
    # A deliberate mismatch: the filter formats the message and must swallow the error.
    logger.info("two placeholders %s %s", f"Bearer {JWT}")  # noqa: PLE1206
    assert "log arguments could not be formatted" in redacted_caplog.text
    assert JWT not in redacted_caplog.text


def test_ordinary_text_dates_and_short_numbers_survive() -> None:
    line = "push 2025-01-01 2025-01-31 hotel 1234567 room 42 BookingLimit=5 token_url=https://x"
    assert redact(line) == line


@given(
    token=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/", min_size=1
    )
)
def test_any_bearer_token_is_redacted(token: str) -> None:
    redacted = redact(f"Authorization: Bearer {token}")
    assert redacted == "Authorization: Bearer ***"


def test_install_log_redaction_covers_records_from_child_loggers() -> None:
    parent = logging.getLogger("channel_manager.tests.install")
    records: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = ListHandler()
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    try:
        install_log_redaction(parent, known_secrets=[Secret(CLIENT_SECRET)])
        logging.getLogger("channel_manager.tests.install.child").info(
            "secret %s and Bearer %s", CLIENT_SECRET, JWT
        )
    finally:
        parent.removeHandler(handler)
    assert records == ["secret *** and Bearer ***"]


def test_api_keys_and_oauth_codes_in_access_log_urls_are_redacted() -> None:
    """uvicorn's access log holds whole URLs: the web UI's one-click sign-in link carries an
    API key, the OAuth callback an authorisation code. Both reached the log in clear."""
    key = "cm_KudamGWVCTPWdNmmymFiq_zqMQHyq7RcnyHBc4sc2VA"
    code = "O7eB5869HW3x31p-at6zpxlsJJCN3r05"
    lines = [
        f'127.0.0.1:42536 - "GET /signin?key={key} HTTP/1.1" 303',
        f'127.0.0.1:42558 - "GET /oauth/booking/callback?code={code}&state=abc HTTP/1.1" 200',
        f"api key {key} used",
    ]

    redacted = [redact(line) for line in lines]

    assert not [line for line in redacted if key in line or code in line], redacted
    assert "cm_KudamGW***" in redacted[0]  # the visible prefix stays, as in the database
    assert "?code=***&state=abc" in redacted[1]
    assert (
        redact("database cm_test_0123456789ab created") == "database cm_test_0123456789ab created"
    )
