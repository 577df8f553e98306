"""The date sweep: the suites that compute date ranges, run once per hard day.

Each run is a child pytest with ``CM_TEST_NOW`` set to one of ``HARD_DAYS``
(tests/support/clock.py), so every clock of that run (our service's, the sandbox's, the unit
tests' ``MovableClock``) lives on that day: the first and last day of a month, 31 December,
29 February 2028, the spring and autumn clock changes of Europe/Amsterdam and America/New_York,
and late evening UTC when Amsterdam is already on the next day (and month).

The whole suite can be run on one of those days too: ``CM_TEST_NOW=leap-day bash .ci/run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.clock import HARD_DAYS, TEST_NOW_ENV

pytestmark = [pytest.mark.datesweep, pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]

#: The date-sensitive suites: ARI ranges and stays in the domain (Hypothesis, fewer examples
#: per day: every run already draws around the hard days), the application's ARI and booking
#: use cases, a push through the rates page and the API, ARI and bookings end to end against
#: the sandbox, and the browser story (push over a month boundary, read it back in the grid).
SWEPT = (
    "tests/unit/domain",
    "tests/unit/application",
    "tests/unit/web/test_pages.py::test_push_then_history_then_retry",
    # The rates page reads our calendar: months from today, a change 60 days ahead.
    "tests/unit/web/test_rates_calendar.py",
    "tests/unit/api/test_rest_api.py::test_mapping_and_ari_through_the_api",
    "tests/e2e/test_ari.py",
    "tests/e2e/test_reservations.py",
    # Our calendar: a rate 60 days from today, read back and delivered to the sandbox.
    "tests/e2e/test_calendar.py",
    "tests/browser/test_story_with_sandbox.py::test_oauth2_story_against_the_sandbox",
    # Pushes the form's default week: two months' worth when the week crosses a month end.
    "tests/browser/test_property_manager_story.py::test_the_whole_story",
)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("day", list(HARD_DAYS))
def test_the_date_sensitive_suites_pass_on(day: str, tmp_path: Path) -> None:
    environ = {**os.environ, TEST_NOW_ENV: day, "CM_HYPOTHESIS_PROFILE": "sweep"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *SWEPT],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=570,
        check=False,
    )
    (tmp_path / "pytest.log").write_text(run.stdout + run.stderr)
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
    assert run.returncode == 0, f"on {day} ({HARD_DAYS[day].isoformat()}):\n{tail}"
    assert " passed" in run.stdout, tail
