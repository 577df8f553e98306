"""The tests' time: a clock tests can move, and the instant a test session lives at.

No test reads the real date. Every clock a test builds (``MovableClock``, our service's
``SystemClock`` through ``CM_CLOCK_OFFSET``, the sandbox's through
``BOOKING_SANDBOX_CLOCK_OFFSET``) starts at :func:`session_now`:

- ``CM_TEST_NOW`` unset: the real time when the session started (the pytest header prints it, so
  a failure on some day can be repeated with ``CM_TEST_NOW=<printed instant>``);
- ``CM_TEST_NOW=2028-02-29T12:00:00Z``: that instant;
- ``CM_TEST_NOW=leap-day``: one of the :data:`HARD_DAYS` by name.

The date sweep (``tests/sweep``) runs the date-sensitive suites at every one of the hard days.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, date, datetime, timedelta

#: Names the instant the tests run at (see the module docstring).
TEST_NOW_ENV = "CM_TEST_NOW"

#: The days a calendar bug shows on, as instants in UTC. Hotels in the sandbox are in
#: Europe/Amsterdam; American properties follow America/New_York.
HARD_DAYS: dict[str, datetime] = {
    # The first and the last day of a month (a 30-day month), and the year's last day.
    "first-of-month": datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    "last-of-month": datetime(2027, 4, 30, 12, 0, tzinfo=UTC),
    "new-years-eve": datetime(2026, 12, 31, 10, 0, tzinfo=UTC),
    # A leap day: "the same day next year" and 365-day arithmetic go wrong here.
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    # Europe/Amsterdam: 02:00 CET becomes 03:00 CEST at 01:00 UTC (a 23-hour day) ...
    "amsterdam-spring-forward": datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
    # ... and 03:00 CEST becomes 02:00 CET at 01:00 UTC (a 25-hour day).
    "amsterdam-fall-back": datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
    # America/New_York: 02:00 EST becomes 03:00 EDT at 07:00 UTC; back at 06:00 UTC.
    "new-york-spring-forward": datetime(2027, 3, 14, 6, 30, tzinfo=UTC),
    "new-york-fall-back": datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
    # Late evening in UTC: in Amsterdam (UTC+2 in summer) it is already 00:30 on 1 July, the
    # first day of the next month, while UTC still reads 30 June.
    "late-evening-utc": datetime(2027, 6, 30, 22, 30, tzinfo=UTC),
}


class TestNowError(ValueError):
    """``CM_TEST_NOW`` is neither an ISO instant nor the name of a hard day."""


def parse_test_now(value: str) -> datetime:
    """A hard day's name or an ISO 8601 instant (``Z`` or an offset; naive means UTC)."""
    text = value.strip()
    if text in HARD_DAYS:
        return HARD_DAYS[text]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        names = ", ".join(HARD_DAYS)
        raise TestNowError(
            f"{TEST_NOW_ENV}={value!r} is not an ISO instant like 2028-02-29T12:00:00Z "
            f"nor one of {names}"
        ) from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@functools.cache
def _session_anchor() -> tuple[datetime, timedelta]:
    """(the session's instant, its distance from the real clock), fixed once per process."""
    real = datetime.now(UTC)
    value = os.environ.get(TEST_NOW_ENV, "").strip()
    start = parse_test_now(value) if value else real
    return start, start - real


def session_now() -> datetime:
    """The instant this test session started at (``CM_TEST_NOW`` or the real time)."""
    return _session_anchor()[0]


def session_offset() -> timedelta:
    """How far the session's clocks are shifted from the real one (zero without ``CM_TEST_NOW``).

    Our service takes it as ``CM_CLOCK_OFFSET`` and the sandbox as
    ``BOOKING_SANDBOX_CLOCK_OFFSET``, so both read the same time, ticking at the real pace.
    """
    return _session_anchor()[1]


def shifted_now() -> datetime:
    """What the session's running clocks (our service's, the sandbox's) read right now: the
    real time shifted by :func:`session_offset`. Tests use it instead of ``datetime.now``."""
    return datetime.now(UTC) + session_offset()


def shifted_today() -> date:
    """The UTC date of :func:`shifted_now`."""
    return shifted_now().date()


def next_year(month: int, day: int) -> date:
    """A day of the year after the session's: always ahead of "today" and well within the
    window rates and availability may be set for, whatever day the session lives on."""
    return date(session_now().year + 1, month, day)


def session_offset_seconds() -> str:
    """:func:`session_offset` written as a settings value (signed seconds)."""
    return f"{session_offset().total_seconds():+.6f}"


class MovableClock:
    """Starts at a fixed instant (default: the session's); ``advance`` moves it forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or session_now()

    def now(self) -> datetime:
        """The current (test) time."""
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.current += delta
