"""The "Channel rules" page of one connection (issue 18): a markup to cover the channel's
commission, a cap on the rooms it offers and a stop-sell. Saving sends the connection's
coming year again with the new rules."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import attrs
from litestar import Request, Response, get, post

from channel_manager.application.connection_rules import (
    ConnectionRulesService,
    RulesInput,
    carries_rates,
)
from channel_manager.application.queries import Queries
from channel_manager.domain.connection import Connection
from channel_manager.domain.connection_rules import MAX_AVAILABILITY_CAP, ConnectionRules
from channel_manager.domain.errors import DomainError, NotFound
from channel_manager.domain.pricing import PriceModifier
from channel_manager.entrypoints.web.common import FormData, FormError, notify, see_other, text
from channel_manager.entrypoints.web.pickers import connection_choices
from channel_manager.entrypoints.web.rendering import page

#: The kinds of price modifier the form offers.
MODIFIER_KINDS = ("none", "percent", "amount")


@attrs.frozen(kw_only=True)
class RulesForm:
    """What the form holds: the stored rules at first, what was typed when refused."""

    kind: str = "none"
    value: str = ""
    cap: str = ""
    stop_sell: bool = False

    @classmethod
    def of(cls, rules: ConnectionRules) -> RulesForm:
        """The stored rules as the form shows them."""
        modifier = rules.price_modifier
        kind, value = "none", ""
        if modifier is not None and modifier.percent is not None:
            kind, value = "percent", str(modifier.percent)
        elif modifier is not None and modifier.amount is not None:
            kind, value = "amount", str(modifier.amount)
        cap = "" if rules.availability_cap is None else str(rules.availability_cap)
        return cls(kind=kind, value=value, cap=cap, stop_sell=rules.stop_sell)


def read_form(form: FormData) -> RulesForm:
    """The fields as typed (for the form coming back)."""

    def raw(name: str) -> str:
        value = form.get(name)
        return value.strip()[:40] if isinstance(value, str) else ""

    return RulesForm(
        kind=raw("kind") or "none",
        value=raw("value"),
        cap=raw("cap"),
        stop_sell=form.get("stop_sell") == "yes",
    )


def parse_form(form: FormData) -> RulesInput:
    """The rules the form asks for; ``FormError`` naming the field that is wrong."""
    kind = text(form, "kind") or "none"
    if kind not in MODIFIER_KINDS:
        raise FormError("Price modifier is not a valid choice")
    modifier: PriceModifier | None = None
    if kind != "none":
        value = text(form, "value")
        if value is None:
            raise FormError("Price modifier needs a value (15 for 15% more, or 5.00 more)")
        value = value.removesuffix("%").strip()
        make = PriceModifier.of_percent if kind == "percent" else PriceModifier.of_amount
        modifier = make(value)
    cap_text = text(form, "cap")
    cap: int | None = None
    if cap_text is not None:
        if not cap_text.isdigit() or int(cap_text) > MAX_AVAILABILITY_CAP:
            raise FormError(
                f"Availability cap must be a whole number of rooms, 0 to {MAX_AVAILABILITY_CAP}"
                " (leave it empty for no cap)"
            )
        cap = int(cap_text)
    return RulesInput(
        price_modifier=modifier, availability_cap=cap, stop_sell=form.get("stop_sell") == "yes"
    )


def _label(queries: Queries, organization_id: UUID, connection: Connection) -> str:
    for choice in connection_choices(queries, organization_id):
        if choice.connection.id == connection.id:
            return choice.label
    return connection.channel


def _rules_page(
    request: Request[Any, Any, Any],
    connection: Connection,
    label: str,
    form: RulesForm,
    error: str | None = None,
) -> Response[str]:
    return page(
        request,
        "connection_rules.html",
        status_code=422 if error else 200,
        title=f"Channel rules · {label}",
        nav="integrations",
        connection=connection,
        label=label,
        form=form,
        error=error,
        carries_rates=carries_rates(connection),
        max_cap=MAX_AVAILABILITY_CAP,
    )


@get("/connections/{connection_id:uuid}/rules", include_in_schema=False, sync_to_thread=True)
def rules_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    connection_rules: ConnectionRulesService,
    queries: Queries,
) -> Response[str]:
    """The connection's rules in a form."""
    connection = connection_rules.connection(organization_id, connection_id)
    rules = connection_rules.show(organization_id, connection_id)
    label = _label(queries, organization_id, connection)
    return _rules_page(request, connection, label, RulesForm.of(rules))


@post("/connections/{connection_id:uuid}/rules", include_in_schema=False)
async def save_rules(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    connection_rules: ConnectionRulesService,
    queries: Queries,
) -> Response[Any]:
    """Store the rules and send the coming year again; a refused form comes back with what
    was typed and why."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    connection = await asyncio.to_thread(
        connection_rules.connection, organization_id, connection_id
    )
    try:
        wanted = parse_form(form)
        changed = await asyncio.to_thread(
            connection_rules.change, organization_id, connection_id, wanted
        )
    except NotFound:
        raise
    except DomainError as error:
        label = await asyncio.to_thread(_label, queries, organization_id, connection)
        message = str(error)
        return _rules_page(
            request, connection, label, read_form(form), message[:1].upper() + message[1:]
        )
    if changed.first_night is None:
        notify(request, "Rules saved. Nothing is sent now: the connection maps no synced hotel.")
    else:
        notify(
            request,
            f"Rules saved. {changed.first_night:%d %b %Y} to {changed.last_night:%d %b %Y} "
            f"is being sent again with them ({len(changed.push_ids)} pushes).",
        )
    return see_other(f"/connections/{connection_id}/rules")


CONNECTION_RULES_HANDLERS = (rules_page, save_rules)
