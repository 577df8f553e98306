"""A logging filter that keeps credentials and card numbers out of log output.

`Secret` already prints as ``Secret('***')``; this filter is the second line of defence for
values that reached a log call as plain strings: bearer tokens, HTTP Basic credentials,
``client_secret=...``/``password=...`` style pairs (query strings, JSON, XML attributes), our API
keys, OAuth codes in URLs, card numbers and their security codes, and any exact value
registered as a known secret. The rules are `channel_manager.domain.redaction`'s, the same
the message log and the stored guest text are masked with.
Attach it to handlers (`install_log_redaction`), not loggers: a logger's filters do not see
records that propagate up from child loggers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from channel_manager.domain.redaction import MASK, MIN_KNOWN_SECRET_LENGTH, redact_text
from channel_manager.ports.vault import Secret

REDACTED = MASK
_MIN_KNOWN_SECRET_LENGTH = MIN_KNOWN_SECRET_LENGTH


def redact(text: str, known_secrets: Iterable[str] = ()) -> str:
    """Return `text` with credentials, card numbers and the given known values masked (the
    rules of `channel_manager.domain.redaction`, shared with the message log and the guest
    text we store)."""
    return redact_text(text, known_secrets)


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
