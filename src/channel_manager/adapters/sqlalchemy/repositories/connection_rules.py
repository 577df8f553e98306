"""Per-connection rules (``connection_rules``), read once per connection per unit of work."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.domain.connection_rules import ConnectionRules
from channel_manager.domain.pricing import PriceModifier

#: Most keys one ``IN (...)`` binds.
_CHUNK = 400


def _from_row(row: sa.RowMapping) -> ConnectionRules:
    modifier: PriceModifier | None = None
    if row["modifier_percent"] is not None:
        modifier = PriceModifier.of_percent(row["modifier_percent"])
    elif row["modifier_amount"] is not None:
        modifier = PriceModifier.of_amount(row["modifier_amount"])
    return ConnectionRules(
        connection_id=row["connection_id"],
        price_modifier=modifier,
        availability_cap=row["availability_cap"],
        stop_sell=row["stop_sell"],
    )


class SqlAlchemyConnectionRulesRepository:
    """Rules by connection id. What this unit of work read or stored is kept, so the publish
    step (asked on every send) reads each connection's rules once."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._table = tables.connection_rules
        self._access = TableAccess(connection, self._table, "connection rules")
        self._known: dict[UUID, ConnectionRules] = {}

    def get(self, connection_id: UUID) -> ConnectionRules:
        """The connection's rules (neutral when none are stored)."""
        return self.for_connections([connection_id])[connection_id]

    def for_connections(self, connection_ids: Collection[UUID]) -> dict[UUID, ConnectionRules]:
        """The rules of each connection (neutral for those with none)."""
        missing = sorted({id for id in connection_ids if id not in self._known}, key=str)
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            found = {
                row["connection_id"]: _from_row(row)
                for row in self._connection.execute(
                    sa.select(self._table).where(self._table.c.connection_id.in_(chunk))
                ).mappings()
            }
            for id in chunk:
                self._known[id] = found.get(id) or ConnectionRules.none(id)
        return {id: self._known[id] for id in connection_ids}

    def put(self, rules: ConnectionRules, now: datetime) -> None:
        """Replace the connection's rules."""
        modifier = rules.price_modifier
        row = {
            "connection_id": rules.connection_id,
            "modifier_percent": None
            if modifier is None or modifier.percent is None
            else str(modifier.percent),
            "modifier_amount": None
            if modifier is None or modifier.amount is None
            else str(modifier.amount),
            "availability_cap": rules.availability_cap,
            "stop_sell": rules.stop_sell,
            "updated_at": now,
        }
        table = self._table
        self._connection.execute(
            sa.delete(table).where(table.c.connection_id == rules.connection_id)
        )
        self._access.insert(row, rules.connection_id)
        self._known[rules.connection_id] = rules
