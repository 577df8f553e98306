"""A logging filter that keeps credentials and card numbers out of log output.

`Secret` already prints as ``Secret('***')``; this filter is the second line of defence for
values that reached a log call as plain strings: bearer tokens, HTTP Basic credentials,
``client_secret=...``/``password=...`` style pairs (query strings, JSON, XML attributes), our API
keys, OAuth codes in URLs, card-number-like digit runs, and any exact value registered as a
known secret.
Attach it to handlers (`install_log_redaction`), not loggers: a logger's filters do not see
records that propagate up from child loggers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from channel_manager.ports.vault import Secret

REDACTED = "***"

_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*")
_BASIC = re.compile(r"(?i)\b(authorization\s*[:=]\s*[\"']?basic)\s+[A-Za-z0-9+/]+=*")
# Any identifier ending in a credential word (client_secret, CM_PUSH_PASSWORD, refresh_token,
# x-api-key, SeriesCode...), then = or :, then a quoted or bare value.
_CREDENTIAL_PAIR = re.compile(
    r"""(?ix)
    (?P<key>["']?\b[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|jwt|seriescode|cvv|cvc)
        ["']?\s*[=:]\s*)
    (?!Secret\('\*\*\*'\))  # already masked by Secret itself: leave it readable
    (?P<value>"[^"]*"|'[^']*'|[^\s&,;"'<>}]+)
    """
)
# 13-19 digits written as one run, in groups of four (4-4-4-1..7), or as Amex (4-6-5).
# Dates such as 2025-01-01 do not fit these shapes, so ARI date ranges survive.
_CARD_NUMBER = re.compile(
    r"\b(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5})\b"
)
# Our REST API keys (``cm_`` and 43 URL-safe characters) wherever they appear, e.g. in the web
# UI's one-click sign-in link in an access-log line; the first ten characters stay, as in the
# database, to tell keys apart.
_API_KEY = re.compile(r"\b(cm_[A-Za-z0-9_-]{7})[A-Za-z0-9_-]{36,}")
# An OAuth authorisation code in a URL's query (the callback's access-log line).
_QUERY_CODE = re.compile(r"([?&]code=)[^&\s\"'#]+")
# Shorter known secrets would redact ordinary words; the pattern rules cover those cases.
_MIN_KNOWN_SECRET_LENGTH = 6


def _mask_pair(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in {'"', "'"} else ""
    return f"{match.group('key')}{quote}{REDACTED}{quote}"


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    # Last four digits are what Booking.com's PCI guidance lets us keep, and they help support.
    return f"{REDACTED}{digits[-4:]}"


def redact(text: str, known_secrets: Iterable[str] = ()) -> str:
    """Return `text` with credentials, card numbers and the given known values masked."""
    for value in known_secrets:
        text = text.replace(value, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _BASIC.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _CREDENTIAL_PAIR.sub(_mask_pair, text)
    text = _API_KEY.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _QUERY_CODE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _CARD_NUMBER.sub(_mask_card, text)


class SecretRedactingFilter(logging.Filter):
    """Rewrites each record's message, exception text and stack info with `redact` applied.

    `known_secrets` are exact values (for example the configured client secret and push
    password) that are masked wherever they appear, whatever the surrounding text.
    """

    def __init__(self, known_secrets: Iterable[Secret] = ()) -> None:
        super().__init__()
        values = {text for secret in known_secrets if (text := _as_text(secret))}
        # Longest first, so a secret that contains another is masked whole.
        self._known = sorted(
            (value for value in values if len(value) >= _MIN_KNOWN_SECRET_LENGTH),
            key=len,
            reverse=True,
        )

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops a record and never raises."""
        try:
            message = record.getMessage()
        except Exception:  # a log call must never raise into the code that logs
            message = f"{record.msg} (log arguments could not be formatted)"
        record.msg = redact(message, self._known)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Format now so the redacted text is what every formatter reuses.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._known)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._known)
        return True

    def __repr__(self) -> str:
        return f"SecretRedactingFilter(known_secrets={len(self._known)})"


def _as_text(secret: Secret) -> str:
    try:
        return secret.reveal_text()
    except UnicodeDecodeError:
        # Binary secrets cannot appear verbatim in a text log line.
        return ""


def install_log_redaction(
    logger: logging.Logger | None = None, known_secrets: Iterable[Secret] = ()
) -> SecretRedactingFilter:
    """Add one `SecretRedactingFilter` to every handler of `logger` (the root logger by default).

    Call it after handlers are configured; returns the filter so tests can remove it again.
    """
    target = logger if logger is not None else logging.getLogger()
    redacting_filter = SecretRedactingFilter(known_secrets)
    for handler in target.handlers:
        handler.addFilter(redacting_filter)
    return redacting_filter
