"""``channel-manager connections rules show|set``: a connection's price modifier (a markup to
cover the channel's commission), availability cap and stop-sell (issue 18)."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

import typer

from channel_manager.application.connection_rules import RulesInput
from channel_manager.domain.connection_rules import ConnectionRules
from channel_manager.domain.pricing import PriceModifier
from channel_manager.entrypoints.cli import context, lookup

rules_app = typer.Typer(
    help="A connection's markup, availability cap and stop-sell.", no_args_is_help=True
)

ConnectionArgument = Annotated[UUID, typer.Argument(help="Connection id.")]


def _as_json(rules: ConnectionRules) -> str:
    modifier = rules.price_modifier
    return json.dumps(
        {
            "connection_id": str(rules.connection_id),
            "price_modifier": None
            if modifier is None
            else {
                "percent": None if modifier.percent is None else str(modifier.percent),
                "amount": None if modifier.amount is None else str(modifier.amount),
            },
            "availability_cap": rules.availability_cap,
            "stop_sell": rules.stop_sell,
        }
    )


def describe(rules: ConnectionRules) -> str:
    """The rules in one line for a person."""
    modifier = "none" if rules.price_modifier is None else rules.price_modifier.describe()
    cap = "none" if rules.availability_cap is None else str(rules.availability_cap)
    return (
        f"price modifier: {modifier}; availability cap: {cap}; "
        f"stop-sell: {'on' if rules.stop_sell else 'off'}"
    )


@rules_app.command("show")
def rules_show(
    connection_id: ConnectionArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the connection's rules (all off when none were set)."""
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    rules = container.connection_rules().show(owner, connection_id)
    context.emit(_as_json(rules) if as_json else describe(rules))


@rules_app.command("set")
def rules_set(
    connection_id: ConnectionArgument,
    percent: Annotated[
        str | None, typer.Option("--percent", help='Markup in per cent ("15"; "-10" takes off).')
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount", help='Markup in the rate\'s currency ("5.00"; negative takes off).'
        ),
    ] = None,
    cap: Annotated[
        int | None,
        typer.Option("--cap", min=0, help="At most this many rooms offered on the channel."),
    ] = None,
    stop_sell: Annotated[
        bool, typer.Option("--stop-sell/--sell", help="Close every night on this channel.")
    ] = False,
) -> None:
    """Replace the connection's rules (what is not given is off) and send its coming year
    again with them; prints the push ids. The worker delivers them."""
    if percent is not None and amount is not None:
        raise typer.BadParameter("give --percent or --amount, not both")
    modifier = None
    if percent is not None:
        modifier = PriceModifier.of_percent(percent)
    elif amount is not None:
        modifier = PriceModifier.of_amount(amount)
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    changed = container.connection_rules().change(
        owner,
        connection_id,
        RulesInput(price_modifier=modifier, availability_cap=cap, stop_sell=stop_sell),
    )
    context.note(describe(changed.rules))
    if changed.first_night is None:
        context.note("nothing to send now (connection not active, or no synced hotel mapped)")
    else:
        context.note(
            f"queued {len(changed.push_ids)} push(es) for "
            f"{changed.first_night}..{changed.last_night}"
        )
    for push_id in changed.push_ids:
        context.emit(str(push_id))
