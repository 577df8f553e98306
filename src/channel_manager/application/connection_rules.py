"""Per-connection rules (issue 18), the use cases behind ``GET``/``PUT
/connections/{id}/rules``, the "Channel rules" page and ``channel-manager connections rules``.

A change of rules re-publishes the connection's whole horizon (every night of the coming
year, as a newly mapped room's opening calendar covers: :data:`CALENDAR_DAYS`) through the
publish step, in the transaction that stores them, the way a resync does
(:func:`~channel_manager.application.repair.full_state`): a lowered cap, a stop-sell turned
on, or off again, leaves the channel holding what the new rules make of our calendar. When
a stop-sell is lifted, every night is sent open explicitly (our calendar leaves stop-sell
unset, which would otherwise not be sent and leave the channel closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from uuid import UUID

import attrs

from channel_manager.application.calendar_fanout import (
    CalendarPublisher,
    CellKey,
    Cells,
    locked_booked_nights,
)
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.mapping_calendar import CALENDAR_DAYS
from channel_manager.application.outbox import AriOutbox
from channel_manager.application.repair import ConnectionTargets, full_state, repair_nights
from channel_manager.application.scoping import owned_connection
from channel_manager.domain.ari import DayValues
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.connection_rules import ConnectionRules
from channel_manager.domain.inventory import local_today
from channel_manager.domain.pricing import PriceModifier
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory


class RatesNotCarried(InvalidRequest):
    """A price modifier on a connection whose channel is sent no rates (an iCal calendar:
    its export shows busy nights only)."""


@attrs.frozen(kw_only=True)
class RulesInput:
    """Rules as a caller sets them: every field replaces what the connection had."""

    price_modifier: PriceModifier | None = None
    availability_cap: int | None = None
    stop_sell: bool = False


@attrs.frozen(kw_only=True)
class RulesChanged:
    """Rules stored, and what re-publishing the connection's horizon queued (no pushes when
    the connection is not active, maps no synced hotel, or its channel is sent nothing)."""

    rules: ConnectionRules
    first_night: date | None
    last_night: date | None
    push_ids: tuple[UUID, ...]


def carries_rates(connection: Connection) -> bool:
    """Whether ``connection``'s channel is sent rates (a feed connection is not)."""
    return connection.auth_mode is not AuthMode.FEED_URL


class ConnectionRulesService:
    """Read and change one connection's rules."""

    def __init__(self, uow_factory: UnitOfWorkFactory, outbox: AriOutbox, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._publisher = CalendarPublisher(outbox)
        self._clock = clock

    def show(self, organization_id: UUID, connection_id: UUID) -> ConnectionRules:
        """The connection's rules (neutral when none were set)."""
        with self._uow_factory() as uow:
            owned_connection(uow, organization_id, connection_id)
            return uow.connection_rules.get(connection_id)

    def connection(self, organization_id: UUID, connection_id: UUID) -> Connection:
        """The organisation's connection (for a page that shows its rules)."""
        with self._uow_factory() as uow:
            return owned_connection(uow, organization_id, connection_id)

    def change(
        self, organization_id: UUID, connection_id: UUID, wanted: RulesInput
    ) -> RulesChanged:
        """Store the rules and re-publish the connection's horizon with them, in one
        transaction."""
        with self._uow_factory() as uow:
            connection = owned_connection(uow, organization_id, connection_id)
            if wanted.price_modifier is not None and not carries_rates(connection):
                raise RatesNotCarried(
                    "this connection is an iCal calendar: it is sent no rates, only the nights "
                    "that are not available, so it cannot have a price modifier"
                )
            rules = ConnectionRules(
                connection_id=connection.id,
                price_modifier=wanted.price_modifier,
                availability_cap=wanted.availability_cap,
                stop_sell=wanted.stop_sell,
            )
            before = uow.connection_rules.get(connection.id)
            uow.connection_rules.put(rules, self._clock.now())
            changed = self._republish(
                uow, connection, reopen=before.stop_sell and not rules.stop_sell
            )
            uow.commit()
        return attrs.evolve(changed, rules=rules)

    def _republish(self, uow: UnitOfWork, connection: Connection, *, reopen: bool) -> RulesChanged:
        nothing = RulesChanged(
            rules=ConnectionRules.none(connection.id),
            first_night=None,
            last_night=None,
            push_ids=(),
        )
        if not connection.is_active:
            return nothing  # sent when it is active again (its opening calendar)
        targets = ConnectionTargets(uow, connection)
        if not targets.mappings:
            return nothing
        now = self._clock.now()
        first = min(
            local_today(now, uow.properties.get(mapping.internal_property_id).timezone)
            for mapping in targets.mappings
        )
        last = first + timedelta(days=CALENDAR_DAYS - 1)
        nights = repair_nights(uow, targets, first, last, now)
        booked = locked_booked_nights(uow, nights)
        cells = _every_plan_night(full_state(uow, targets, nights, booked), targets, nights, reopen)
        queued = self._publisher.send(uow, targets, cells).get(connection.id, [])
        return attrs.evolve(
            nothing, first_night=first, last_night=last, push_ids=tuple(m.id for m in queued)
        )


def _every_plan_night(
    cells: Cells,
    targets: ConnectionTargets,
    nights: Mapping[UUID, tuple[date, ...]],
    reopen: bool,
) -> Cells:
    """``cells`` with every night of every mapped rate plan present (a stop-sell closes the
    nights that have no value of ours too), and, when ``reopen``, stop-sell sent as off
    wherever our calendar leaves it unset."""
    full: dict[CellKey, dict[date, DayValues]] = {key: dict(v) for key, v in cells.items()}
    for unit_id, unit_nights in nights.items():
        for plan_id in targets.rate_plan_ids(unit_id):
            plan = full.setdefault((unit_id, plan_id), {})
            for night in unit_nights:
                plan.setdefault(night, DayValues())
    if reopen:
        for by_night in full.values():
            for night, values in by_night.items():
                if values.stop_sell is None:
                    by_night[night] = attrs.evolve(values, stop_sell=False)
    return full
