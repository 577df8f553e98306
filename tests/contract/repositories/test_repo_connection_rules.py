"""Contract: per-connection rules (issue 18) on SQLite and PostgreSQL.

A connection without rules reads as neutral; stored rules round-trip exactly (the modifier's
decimal text, a cap of 0, stop-sell); a put replaces.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
import sqlalchemy as sa

from channel_manager.domain.connection_rules import ConnectionRules
from channel_manager.domain.pricing import PriceModifier
from channel_manager.ports.errors import MissingReference

from .repository_builders import at, new_connection, new_organization


def _connections(uow_factory, count=2):
    organization = new_organization()
    connections = [new_connection(organization.id) for _ in range(count)]
    with uow_factory() as uow:
        uow.organizations.add(organization)
        for connection in connections:
            uow.connections.add(connection)
        uow.commit()
    return connections


@pytest.mark.parametrize(
    "modifier",
    [
        PriceModifier.of_percent("15"),
        PriceModifier.of_percent("-12.5"),
        PriceModifier.of_amount("5.00"),
        PriceModifier.of_amount("-0.0001"),
        None,
    ],
)
def test_rules_round_trip_exactly(uow_factory, modifier):
    first, second = _connections(uow_factory)
    rules = ConnectionRules(
        connection_id=first.id, price_modifier=modifier, availability_cap=0, stop_sell=True
    )
    with uow_factory() as uow:
        assert uow.connection_rules.get(first.id) == ConnectionRules.none(first.id)
        uow.connection_rules.put(rules, at(0))
        uow.commit()
    with uow_factory() as uow:
        read = uow.connection_rules.get(first.id)
        assert read == rules
        if modifier is not None:
            stored = read.price_modifier.percent or read.price_modifier.amount
            assert str(stored) == str(modifier.percent or modifier.amount)
        assert uow.connection_rules.for_connections([first.id, second.id]) == {
            first.id: rules,
            second.id: ConnectionRules.none(second.id),
        }


def test_a_put_replaces_and_an_uncommitted_one_is_lost(uow_factory):
    (connection,) = _connections(uow_factory, 1)
    capped = ConnectionRules(connection_id=connection.id, availability_cap=3)
    with uow_factory() as uow:
        uow.connection_rules.put(capped, at(0))
        uow.connection_rules.put(
            ConnectionRules(connection_id=connection.id, stop_sell=True), at(1)
        )
        assert uow.connection_rules.get(connection.id).stop_sell
        uow.commit()
    with uow_factory() as uow:
        uow.connection_rules.put(capped, at(2))
    with uow_factory() as uow:
        assert uow.connection_rules.get(connection.id) == ConnectionRules(
            connection_id=connection.id, stop_sell=True
        )


def test_rules_of_an_unknown_connection_are_refused(uow_factory):
    with uow_factory() as uow, pytest.raises(MissingReference):
        uow.connection_rules.put(
            ConnectionRules(
                connection_id=uuid4(), price_modifier=PriceModifier.of_amount(Decimal(1))
            ),
            at(0),
        )


def test_rules_are_read_once_per_unit_of_work(uow_factory):
    first, second = _connections(uow_factory)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "connection_rules" in statement:
            statements.append(statement)

    engine = uow_factory.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with uow_factory() as uow:
            uow.connection_rules.get(first.id)
            uow.connection_rules.get(first.id)
            uow.connection_rules.for_connections([first.id, second.id])
            uow.connection_rules.for_connections([second.id, first.id])
            uow.connection_rules.put(
                ConnectionRules(connection_id=second.id, stop_sell=True), at(0)
            )
            assert uow.connection_rules.get(second.id).stop_sell  # what it stored, unread
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects  # first alone, then second alone
