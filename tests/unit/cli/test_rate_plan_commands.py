"""``channel-manager rate-plans``: plain and derived rate plans from the command line."""

from __future__ import annotations

from uuid import UUID, uuid4

from channel_manager.container import Container
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.unit.cli.conftest import Invoke, one_error_line


def _property(invoke: Invoke) -> str:
    added = invoke(
        "properties", "add", "--organization", "acme", "--name", "Seaside", "--currency", "JPY"
    )
    assert added.exit_code == 0, added.output
    return added.stdout.strip()


def test_a_derived_plan_is_created_listed_and_its_modifier_changed(
    invoke: Invoke, container: Container
) -> None:
    property_id = _property(invoke)
    standard = invoke("rate-plans", "create", "--property", property_id, "--name", "Standard")
    assert standard.exit_code == 0, standard.output
    parent = standard.stdout.strip()

    derived = invoke(
        "rate-plans", "create", "--property", property_id, "--name", "Non-refundable",
        "--parent", parent, "--percent", "-10", "--own-restrictions",
    )  # fmt: skip
    assert derived.exit_code == 0, derived.output
    child = UUID(derived.stdout.strip())
    listed = invoke("rate-plans", "list", "--property", property_id)
    assert listed.exit_code == 0, listed.output
    assert "Non-refundable" in listed.stdout
    assert "-10%" in listed.stdout
    assert "own" in listed.stdout

    changed = invoke("rate-plans", "set-modifier", str(child), "--amount", "-500")
    assert changed.exit_code == 0, changed.output
    assert changed.stdout.strip() == "Non-refundable: Standard -500"
    with container.uow_factory()() as uow:
        stored = uow.rate_plans.get(child)
    assert stored.parent_rate_plan_id == UUID(parent)
    assert stored.inherit_restrictions is False
    assert stored.modifier is not None
    assert str(stored.modifier.amount) == "-500"


def test_bad_rate_plans_are_one_line_and_exit_non_zero(
    invoke: Invoke, container: Container
) -> None:
    property_id = _property(invoke)
    parent = invoke(
        "rate-plans", "create", "--property", property_id, "--name", "Standard"
    ).stdout.strip()
    both = invoke(
        "rate-plans", "create", "--property", property_id, "--name", "x",
        "--parent", parent, "--percent", "-10", "--amount", "5",
    )  # fmt: skip
    assert both.exit_code != 0
    assert "exactly one" in one_error_line(both)
    no_parent = invoke(
        "rate-plans", "create", "--property", property_id, "--name", "x", "--percent", "-10"
    )
    assert no_parent.exit_code != 0
    assert "both parent_rate_plan_id and modifier" in one_error_line(no_parent)
    unknown = invoke("rate-plans", "set-modifier", str(uuid4()), "--percent", "5")
    assert unknown.exit_code == ExitCode.NOT_FOUND
    plain = invoke("rate-plans", "set-modifier", parent, "--percent", "5")
    assert plain.exit_code != 0
    assert "not derived" in one_error_line(plain)
