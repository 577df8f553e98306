"""``channel-manager calendars add|list|rotate-export`` and ``overbookings list``: the export
URL printed, the import URL never whole, clear errors with non-zero exits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import Result

from channel_manager.entrypoints.cli import context
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.support.feed_world import AIRBNB_URL, PUBLIC_URL, FeedWorld, feed_world
from tests.unit.cli.conftest import Invoke

SECRET_PARTS = ("12345", "0123456789abcdef")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedWorld]:
    made = feed_world()
    monkeypatch.setattr(context, "get_container", lambda: made.container)
    yield made
    made.container.unwire()


def _add(invoke: Invoke, world: FeedWorld, *extra: str) -> Result:
    return invoke(
        "calendars", "add", "--unit", str(world.loft.id), "--name", "Airbnb - Loft",
        "--url", AIRBNB_URL, *extra,
    )  # fmt: skip


def _quiet(*texts: str) -> None:
    for text in texts:
        for part in SECRET_PARTS:
            assert part not in text


def test_add_prints_the_export_url_and_never_the_import_url(
    invoke: Invoke, world: FeedWorld
) -> None:
    result = _add(invoke, world, "--end-is-last-night")
    assert result.exit_code == 0, result.stderr
    export_url = result.stdout.strip()
    assert export_url.startswith(PUBLIC_URL + "/ical/")
    assert "https://www.airbnb.com/…" in result.stderr
    _quiet(result.stdout, result.stderr)
    [made] = world.feeds.list(world.organization.id)
    assert made.export_url == export_url
    assert made.feed.end_is_last_night is True
    listed = invoke("calendars", "list")
    assert listed.exit_code == 0
    assert "Airbnb - Loft" in listed.stdout
    assert "https://www.airbnb.com/…" in listed.stdout
    assert export_url in listed.stdout.replace("\n", "")
    _quiet(listed.stdout, listed.stderr)
    connections = invoke("connections", "list")
    assert connections.exit_code == 0, connections.stderr
    assert {"ical", "booking"} <= set(connections.stdout.split()), connections.stdout
    _quiet(connections.stdout, connections.stderr)


def test_rotate_export_prints_a_new_url(invoke: Invoke, world: FeedWorld) -> None:
    old = _add(invoke, world).stdout.strip()
    [made] = world.feeds.list(world.organization.id)
    result = invoke("calendars", "rotate-export", str(made.connection.id))
    assert result.exit_code == 0, result.stderr
    new = result.stdout.strip()
    assert new.startswith(PUBLIC_URL + "/ical/")
    assert new != old
    missing = invoke("calendars", "rotate-export", str(world.loft.id))
    assert missing.exit_code == ExitCode.NOT_FOUND


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--name", "  ", "--url", AIRBNB_URL), ExitCode.USAGE, "name"),
        (("--name", "Airbnb", "--url", "ftp://x.example/c.ics"), ExitCode.FAILURE, "https://"),
        (
            ("--name", "Airbnb", "--url", AIRBNB_URL, "--channel", "booking"),
            ExitCode.USAGE,
            "calendar URL",
        ),
    ],
)
def test_add_refuses_bad_input(
    invoke: Invoke, world: FeedWorld, args: tuple[str, ...], code: int, words: str
) -> None:
    result = invoke("calendars", "add", "--unit", str(world.loft.id), *args)
    assert result.exit_code == code, result.stderr
    assert words in result.stderr
    assert world.feeds.list(world.organization.id) == []


def test_add_to_an_unknown_unit_is_not_found(invoke: Invoke, world: FeedWorld) -> None:
    result = invoke(
        "calendars", "add", "--unit", str(world.booking.id), "--name", "A", "--url", AIRBNB_URL
    )
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "unit" in result.stderr


def test_overbookings_list(invoke: Invoke, world: FeedWorld) -> None:
    assert invoke("overbookings", "list").stderr.strip() == "no overbookings"
    made = world.connect()
    world.book(world.booking.id, world.loft, world.first, 2, "B1")
    world.book(made.connection.id, world.loft, world.first, 1, "HM1")
    result = invoke("overbookings", "list", "--unit", str(world.loft.id))
    assert result.exit_code == 0, result.stderr
    assert "B1" in result.stdout
    assert "HM1" in result.stdout
    assert "Airbnb - Loft" in result.stdout
    bad = invoke("overbookings", "list", "--from", "someday")
    assert bad.exit_code == ExitCode.USAGE
    assert "--from" in bad.stderr
