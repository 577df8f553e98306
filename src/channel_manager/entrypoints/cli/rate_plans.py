"""``channel-manager rate-plans ...``: our rate plans, plain or derived from another plan plus
or minus a percentage or an amount (issue 18)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

import typer
from rich.table import Table
from rich.text import Text

from channel_manager.application.rate_plans import (
    RatePlanChange,
    RatePlanInput,
    RatePlanView,
)
from channel_manager.domain.pricing import PriceModifier, modifier_of
from channel_manager.entrypoints.cli import context, lookup

rate_plans_app = typer.Typer(
    help="Rate plans of our properties, plain or derived from another plan.",
    no_args_is_help=True,
)

_Percent = Annotated[
    str | None,
    typer.Option("--percent", help="Derived: the parent's rate plus this percent (-10: 10% off)."),
]
_Amount = Annotated[
    str | None,
    typer.Option("--amount", help="Derived: the parent's rate plus this amount (-5.00: 5 less)."),
]


def _modifier(percent: str | None, amount: str | None) -> PriceModifier | None:
    return None if percent is None and amount is None else modifier_of(percent, amount)


@rate_plans_app.command("create")
def rate_plans_create(
    property_id: Annotated[UUID, typer.Option("--property", help="Property id.")],
    name: Annotated[str, typer.Option("--name", help="Rate plan name, e.g. Non-refundable.")],
    code: Annotated[
        str | None, typer.Option("--code", help="Code unique in the property (made from the name).")
    ] = None,
    parent: Annotated[
        UUID | None,
        typer.Option("--parent", help="Derive from this rate plan (with --percent or --amount)."),
    ] = None,
    percent: _Percent = None,
    amount: _Amount = None,
    inherit_restrictions: Annotated[
        bool,
        typer.Option(
            "--inherit-restrictions/--own-restrictions",
            help="Derived: take the parent's stays, closures and stop-sell too (default).",
        ),
    ] = True,
) -> None:
    """Add a rate plan and print its id; a derived one gets its nights from its parent's."""
    container = context.get_container()
    owner = lookup.property_owner(container, property_id)
    created = container.rate_plans().create(
        owner,
        RatePlanInput(
            property_id=property_id,
            name=name,
            code=code,
            parent_rate_plan_id=parent,
            modifier=_modifier(percent, amount),
            inherit_restrictions=inherit_restrictions,
        ),
    )
    context.emit(str(created.plan.id))


@rate_plans_app.command("list")
def rate_plans_list(
    property_id: Annotated[UUID, typer.Option("--property", help="Property id.")],
) -> None:
    """List a property's rate plans; derived ones name their parent and modifier."""
    container = context.get_container()
    owner = lookup.property_owner(container, property_id)
    found = container.rate_plans().list(owner, property_id)
    if not found:
        context.note("no rate plans")
        return
    context.show(_table(found))


@rate_plans_app.command("set-modifier")
def rate_plans_set_modifier(
    rate_plan_id: Annotated[UUID, typer.Argument(help="The derived rate plan's id.")],
    percent: _Percent = None,
    amount: _Amount = None,
) -> None:
    """Change a derived plan's modifier; its nights are derived again and sent."""
    container = context.get_container()
    with container.uow_factory()() as uow:
        property_id = uow.rate_plans.get(rate_plan_id).property_id
    owner = lookup.property_owner(container, property_id)
    changed = container.rate_plans().update(
        owner, rate_plan_id, RatePlanChange(modifier=modifier_of(percent, amount))
    )
    context.emit(changed.description)


def _table(views: Sequence[RatePlanView]) -> Table:
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for title in ("name", "code", "derived from", "modifier", "restrictions"):
        table.add_column(title)
    for view in views:
        derived = view.plan.is_derived
        table.add_row(
            str(view.plan.id),
            Text(view.plan.name),
            Text(view.plan.code),
            Text(view.parent_name or "-"),
            view.modifier_text or "-",
            ("inherited" if view.plan.inherit_restrictions else "own") if derived else "-",
        )
    return table
