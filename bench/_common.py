"""What every benchmark shares: temporary databases, repeated runs and one way of printing.

Each benchmark prints its figures and, per the issue, a ratio against a floor measured in the
same run (bare lxml for the codec, a no-op endpoint for the push server, one message per day for
ARI, an idle interpreter for memory), so a figure can be read without knowing the machine.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from uuid import uuid4

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import upgrade

T = TypeVar("T")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def machine() -> str:
    """One line naming the machine the figures come from."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}"
    )


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        upgrade(url)
        yield url


@contextmanager
def postgres_url() -> Iterator[str]:
    """A migrated temporary PostgreSQL database on ``CM_TEST_POSTGRES_URL``, dropped afterwards."""
    server = os.environ.get("CM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"cm_bench_{uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """The median of ``runs`` calls of ``measure`` and every value, for printing the spread."""
    values = [measure() for _ in range(runs)]
    return statistics.median(values), values


def figure(label: str, value: str, goal: str = "", met: bool | None = None) -> None:
    """Print one figure: ``label  value  [goal: ... met|MISSED]``."""
    verdict = "" if met is None else (" met" if met else " MISSED")
    suffix = f"  [goal: {goal}{verdict}]" if goal else ""
    print(f"  {label:<56} {value}{suffix}", flush=True)
