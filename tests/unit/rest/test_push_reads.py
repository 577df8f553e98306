"""Applying a push reads what it needs once: routing, linking and availability share one
transaction's reads of the connection's mappings (each read is a statement on a real database).
"""

from __future__ import annotations

import re
from collections import Counter

from channel_manager.container import Container
from tests.support.database import counting_transactions
from tests.unit.rest.conftest import apply_pushes, client_for, map_hotel, row_counts
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import push

#: A SELECT's table (the first after FROM) and the column of its first condition, if any.
READ = re.compile(r"^\s*SELECT\b.*?\bFROM\s+(\w+)(?:\s+WHERE\s+\w+\.(\w+))?", re.DOTALL)


def reads(statements: list[str]) -> Counter[str]:
    """How many SELECT statements read each table, by ``table`` and by ``table.column`` (the
    column its condition starts with: what the read looked up)."""
    counts: Counter[str] = Counter()
    for match in filter(None, (READ.search(statement) for statement in statements)):
        table, column = match.groups()
        counts[table] += 1
        counts[f"{table}.{column}"] += 1
    return counts


def test_applying_a_push_reads_its_property_mapping_and_unit_mappings_once(
    container: Container,
) -> None:
    map_hotel(container)
    with client_for(container) as client:
        response = push(client, res_notif())
    assert response.status_code == 200, response.text
    with counting_transactions(container.engine()) as seen:
        apply_pushes(container)
    assert row_counts(container)["outbound_messages"] >= 1  # availability was published
    read = reads(seen.statements)
    # Routing finds the hotel's mappings; linking reuses the routed one (no read by id).
    assert read["integration_property_mappings.external_property_id"] == 1
    assert read["integration_property_mappings.id"] == 0
    # Linking reads the unit mappings; publishing availability reuses them.
    assert read["integration_unit_mappings"] == 1
    assert read["integration_rate_plan_mappings"] <= 1
