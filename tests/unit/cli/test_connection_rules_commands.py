"""``connections rules show|set`` through the CLI: set a markup, a cap and stop-sell, see
them, and get a clear message and exit code for bad input."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest

from channel_manager.container import Container
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.unit.cli.conftest import Invoke, World, one_error_line


def test_rules_are_set_republished_and_shown(
    invoke: Invoke, world: World, container: Container
) -> None:
    connection = str(world.connection.id)
    shown = invoke("connections", "rules", "show", connection)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.strip() == "price modifier: none; availability cap: none; stop-sell: off"

    changed = invoke(
        "connections", "rules", "set", connection, "--percent", "15", "--cap", "2", "--stop-sell"
    )
    assert changed.exit_code == 0, changed.output
    ids = [UUID(line) for line in changed.stdout.split()]
    assert ids
    assert "price modifier: +15%; availability cap: 2; stop-sell: on" in changed.stderr
    assert f"queued {len(ids)} push(es)" in changed.stderr
    pushed = container.dispatcher().get(world.organization.id, ids[0])
    assert pushed.connection_id == world.connection.id
    assert {getattr(item, "booking_limit", None) for item in pushed.payload.items} <= {2, None}

    as_json = json.loads(invoke("connections", "rules", "show", connection, "--json").stdout)
    assert as_json == {
        "connection_id": connection,
        "price_modifier": {"percent": "15", "amount": None},
        "availability_cap": 2,
        "stop_sell": True,
    }
    off = invoke("connections", "rules", "set", connection, "--amount", "5.00")
    assert off.exit_code == 0, off.output
    shown = invoke("connections", "rules", "show", connection)
    assert shown.stdout.strip() == "price modifier: +5.00; availability cap: none; stop-sell: off"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("--percent", "15", "--amount", "5"), ExitCode.USAGE, "not both"),
        (("--percent", "lots"), ExitCode.FAILURE, "not a number"),
        (("--percent", "-100"), ExitCode.FAILURE, "-99 to 1000"),
        (("--cap", "-1"), ExitCode.USAGE, "--cap"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(
    invoke: Invoke, world: World, args: tuple[str, ...], code: ExitCode, fragment: str
) -> None:
    result = invoke("connections", "rules", "set", str(world.connection.id), *args)
    assert result.exit_code == code, result.output
    assert fragment in result.stderr
    shown = invoke("connections", "rules", "show", str(world.connection.id))
    assert shown.stdout.strip() == "price modifier: none; availability cap: none; stop-sell: off"


def test_an_unknown_connection_is_not_found(invoke: Invoke, world: World) -> None:
    result = invoke("connections", "rules", "show", str(uuid4()))
    assert result.exit_code != 0
    assert "not found" in one_error_line(result)
