"""``/api/v1/connections/{id}/rules``: a connection's price modifier, availability cap and
stop-sell (issue 18). A ``PUT`` replaces all three and re-publishes the connection's coming
year with them; the answer names the pushes that carry it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs
import msgspec
from litestar import Controller, get, put

from channel_manager.application.connection_rules import ConnectionRulesService, RulesInput
from channel_manager.domain.connection_rules import ConnectionRules
from channel_manager.entrypoints.rest.errors import error_responses as errors
from channel_manager.entrypoints.rest.modifiers import ModifierBody


class RulesBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connection's rules; every field replaces what it had (left out: no modifier, no
    cap, selling)."""

    price_modifier: ModifierBody | None = None
    availability_cap: int | None = None
    stop_sell: bool = False

    def rules(self) -> RulesInput:
        """The use case's input."""
        modifier = None if self.price_modifier is None else self.price_modifier.to_modifier()
        return RulesInput(
            price_modifier=modifier,
            availability_cap=self.availability_cap,
            stop_sell=self.stop_sell,
        )


@attrs.frozen(kw_only=True)
class ModifierView:
    """``{"percent": "15"}`` or ``{"amount": "5.00"}`` (the other one null)."""

    percent: str | None
    amount: str | None


@attrs.frozen(kw_only=True)
class RulesView:
    """A connection's rules; after a change, the nights re-published and their pushes."""

    connection_id: UUID
    price_modifier: ModifierView | None
    availability_cap: int | None
    stop_sell: bool
    republished_from: date | None = None
    republished_to: date | None = None
    push_ids: tuple[UUID, ...] = ()

    @classmethod
    def of(cls, rules: ConnectionRules) -> RulesView:
        """The rules as JSON shows them."""
        modifier = rules.price_modifier
        return cls(
            connection_id=rules.connection_id,
            price_modifier=None
            if modifier is None
            else ModifierView(
                percent=None if modifier.percent is None else str(modifier.percent),
                amount=None if modifier.amount is None else str(modifier.amount),
            ),
            availability_cap=rules.availability_cap,
            stop_sell=rules.stop_sell,
        )


class ConnectionRulesController(Controller):
    """Per-connection rules: what one channel is sent instead of our calendar as it is."""

    path = "/connections"
    tags = ("connections",)

    @get("/{connection_id:uuid}/rules", sync_to_thread=True, responses=errors(404))
    def get_connection_rules(
        self, organization_id: UUID, connection_id: UUID, connection_rules: ConnectionRulesService
    ) -> RulesView:
        """The connection's price modifier, availability cap and stop-sell (all off when
        none were set)."""
        return RulesView.of(connection_rules.show(organization_id, connection_id))

    @put("/{connection_id:uuid}/rules", sync_to_thread=True, responses=errors(404, 422))
    def put_connection_rules(
        self,
        organization_id: UUID,
        connection_id: UUID,
        data: RulesBody,
        connection_rules: ConnectionRulesService,
    ) -> RulesView:
        """Replace the connection's rules, then send its coming year again with them (a
        lowered cap, a stop-sell turned on or off reach the channel at once). A price
        modifier on an iCal calendar (it is sent no rates) is refused with 422."""
        changed = connection_rules.change(organization_id, connection_id, data.rules())
        return attrs.evolve(
            RulesView.of(changed.rules),
            republished_from=changed.first_night,
            republished_to=changed.last_night,
            push_ids=changed.push_ids,
        )
