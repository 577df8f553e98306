"""The processes' logging set-up keeps httpx's request lines (whole URLs, a calendar's secret
import URL among them) out of the log, at any CM_LOG_LEVEL."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from channel_manager.entrypoints.logging_setup import configure_logging
from tests.support.containers import make_settings

SECRET_URL = "https://www.airbnb.com/calendar/ical/1.ics?s=TopSecretVrboToken0123"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), list(root.filters))
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    root.filters[:] = saved[2]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_httpx_request_lines_are_not_logged(
    restored_logging: None, level: str, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(make_settings({"CM_LOG_LEVEL": level}))

    with caplog.at_level(logging.DEBUG):  # the root at DEBUG: only httpx's own level stops it
        logging.getLogger("httpx").info('HTTP Request: GET %s "HTTP/1.1 200 OK"', SECRET_URL)

    assert SECRET_URL not in caplog.text
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
